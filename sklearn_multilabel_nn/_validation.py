"""Input checks both estimators need before scikit-learn's own."""

import numpy as np


def check_rectangular(X, name="X"):
    """Refuse a nested list whose rows differ in length with a clear error
    (NumPy's own speaks of "an inhomogeneous shape").

    Parameters
    ----------
    X : object
        The input as given; only lists and tuples are looked at.
    name : str, default="X"
        How the message names it.

    Examples
    --------
    >>> check_rectangular([[1, 2], [3, 4]])
    >>> check_rectangular([[1, 2], [3]])
    Traceback (most recent call last):
    ...
    ValueError: X must be rectangular: its rows have different lengths (2 and 1).
    """
    if not isinstance(X, (list, tuple)) or not X:
        return
    try:
        np.asarray(X)
    except ValueError:
        lengths = sorted({len(row) for row in X if hasattr(row, "__len__")})
        shown = " and ".join(map(str, lengths[::-1][:2])) if lengths else "unknown"
        raise ValueError(
            f"{name} must be rectangular: its rows have different lengths ({shown})."
        ) from None


def only_zeros_and_ones(Y):
    """Whether the numeric array ``Y`` holds nothing but 0 and 1.

    Integer arrays are checked by their extremes (two passes, no temporaries
    the size of ``Y``), others element by element.

    Parameters
    ----------
    Y : ndarray
        A numeric array.

    Returns
    -------
    bool

    Examples
    --------
    >>> only_zeros_and_ones(np.array([[0, 1], [1, 1]]))
    True
    >>> only_zeros_and_ones(np.array([0.0, 0.5]))
    False
    """
    if Y.dtype == bool or Y.size == 0:
        return True
    if np.issubdtype(Y.dtype, np.integer):
        return bool(Y.min() >= 0 and Y.max() <= 1)
    return bool(np.all((Y == 0) | (Y == 1)))
