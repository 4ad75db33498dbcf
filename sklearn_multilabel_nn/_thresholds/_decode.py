"""Predict time: turn scores into label decisions with per-label thresholds."""

import numbers
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
        given = np.asarray(float(threshold))
    else:
        given = np.asarray(threshold, dtype=float)
        if given.ndim != 1 or given.shape[0] != n_labels:
            raise ValueError(
                f"threshold must be a float or have one value per label "
                f"({n_labels}); got shape {given.shape}."
            )
    # The values given, not their broadcast: with no labels a NaN would hide.
    if not np.all((given >= 0) & (given <= 1)):
        raise ValueError(f"Every threshold must lie in [0, 1]; got {given}.")
    return np.broadcast_to(given, (n_labels,)).astype(float)


def apply_thresholds(proba, thresholds):
    """Turn scores into 0/1 label decisions: ``proba >= thresholds``.

    Examples
    --------
    >>> apply_thresholds(np.array([[0.2, 0.7]]), np.array([0.5, 0.5]))
    array([[0, 1]])
    """
    return (np.asarray(proba) >= np.asarray(thresholds)).astype(int)


def decode(proba, thresholds, *, min_labels=0, max_labels=None, rank_by="proba"):
    """Turn scores into label sets: thresholds, then a floor and a cap per sample.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_labels)
        Scores.
    thresholds : float or array-like of shape (n_labels,)
        Decision thresholds (``proba >= thresholds`` predicts a label).
    min_labels : int, default=0
        Every sample gets at least this many labels: when fewer pass their
        thresholds, the best-ranked others are added (``1``: never an empty set).
    max_labels : int, default=None
        Every sample gets at most this many labels: the best-ranked that pass
        are kept. None means no cap.
    rank_by : {"proba", "margin"}, default="proba"
        How labels are ranked for the floor and the cap: ``"proba"`` uses the
        score itself (the best-scoring labels); ``"margin"`` uses
        ``proba - thresholds`` (how far a label is past, or short of, its own
        threshold). With one shared threshold both give the same sets. With
        tuned thresholds ``"proba"`` scored higher F1 in cross-validation on
        scene (the floor fills empty sets with the most probable label, not
        with a rare label whose low threshold it nearly passed).

    Returns
    -------
    Y_pred : ndarray of shape (n_samples, n_labels)
        0/1 label indicator (int).

    Examples
    --------
    >>> proba = np.array([[0.2, 0.1, 0.3], [0.9, 0.8, 0.7]])
    >>> decode(proba, [0.5, 0.05, 0.5], min_labels=1, max_labels=2)
    array([[0, 1, 0],
           [1, 1, 0]])
    """
    P = np.asarray(proba)
    if np.iscomplexobj(P):
        raise TypeError("proba must hold real scores; got complex values.")
    P = np.asarray(P, dtype=float)
    if P.ndim != 2:
        raise ValueError(
            f"proba must be a 2-D array (n_samples, n_labels); got shape {P.shape}."
        )
    if np.isnan(P).any():
        raise ValueError(
            f"proba contains NaN ({int(np.isnan(P).sum())} of {P.size} values); "
            "a NaN score has no label decision."
        )
    n_labels = P.shape[1]
    t = resolve_thresholds(thresholds, n_labels)
    _check_decode_args(min_labels, max_labels, rank_by)
    D = P >= t
    if min_labels == 0 and max_labels is None:
        return D.astype(int)
    rank = P - t if rank_by == "margin" else P
    # Passing labels sort first (rank + 3 > any rank), each group by rank.
    order = np.argsort(-np.where(D, rank + 3, rank), axis=1, kind="stable")
    lo = min(min_labels, n_labels)
    hi = n_labels if max_labels is None else max_labels
    keep = np.clip(D.sum(axis=1), lo, hi)
    out = np.zeros(P.shape, dtype=int)
    np.put_along_axis(out, order, np.arange(n_labels) < keep[:, None], axis=1)
    return out


def _check_decode_args(min_labels, max_labels, rank_by):
    if not (isinstance(min_labels, numbers.Integral) and min_labels >= 0):
        raise ValueError(f"min_labels must be a non-negative int; got {min_labels!r}.")
    if max_labels is not None and not (
        isinstance(max_labels, numbers.Integral) and max_labels >= 1
    ):
        raise ValueError(f"max_labels must be None or an int >= 1; got {max_labels!r}.")
    if max_labels is not None and max_labels < min_labels:
        raise ValueError(
            f"max_labels ({max_labels}) must not be smaller than min_labels "
            f"({min_labels})."
        )
    if rank_by not in ("margin", "proba"):
        raise ValueError(f"rank_by must be 'margin' or 'proba'; got {rank_by!r}.")
