"""Per-label decision thresholds: pure NumPy, no Keras and no estimators."""

from numbers import Real

import numpy as np


def resolve_thresholds(threshold, n_labels):
    """Validate ``threshold`` and broadcast it to one value per label.

    Parameters
    ----------
    threshold : float or array-like of shape (n_labels,)
        A single cut-off in [0, 1] shared by every label, or one per label.
    n_labels : int
        Number of labels.

    Returns
    -------
    thresholds : ndarray of shape (n_labels,)
        Float thresholds, one per label.

    Examples
    --------
    >>> resolve_thresholds(0.3, 3)
    array([0.3, 0.3, 0.3])
    """
    if isinstance(threshold, Real) and not isinstance(threshold, bool):
        values = np.full(n_labels, float(threshold))
    else:
        values = np.asarray(threshold, dtype=float)
        if values.ndim != 1 or values.shape[0] != n_labels:
            raise ValueError(
                f"threshold must be a float or have one value per label "
                f"({n_labels}); got shape {values.shape}."
            )
    if not np.all((values >= 0) & (values <= 1)):
        raise ValueError(f"Every threshold must lie in [0, 1]; got {values}.")
    return values


def apply_thresholds(proba, thresholds):
    """Turn scores into 0/1 label decisions: ``proba >= thresholds``.

    Examples
    --------
    >>> apply_thresholds(np.array([[0.2, 0.7]]), np.array([0.5, 0.5]))
    array([[0, 1]])
    """
    return (np.asarray(proba) >= np.asarray(thresholds)).astype(int)
