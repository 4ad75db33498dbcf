"""The exact per-label threshold search and the input checks: pure NumPy."""

import os
from concurrent.futures import ThreadPoolExecutor
from numbers import Real

import numpy as np

from .._validation import only_zeros_and_ones

# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def _is_per_label_list(proba):
    """A list of 2-D arrays, one per label (not a nested list of rows)."""
    return (
        isinstance(proba, (list, tuple))
        and len(proba) > 0
        and all(np.ndim(p) == 2 for p in proba)
    )


def label_proba(proba, classes=None, pos_label=1):
    """Scores of each label being present, from any form of ``predict_proba``.

    The one reading of scikit-learn's multi-output ``predict_proba`` forms:

    - an ``(n_samples, n_labels)`` array (MLPClassifier, OneVsRestClassifier,
      MultiLabelNNClassifier) is returned as it is;
    - a list with one ``(n_samples, n_classes)`` array per label
      (RandomForestClassifier, KNeighborsClassifier, MultiOutputClassifier):
      the column of ``pos_label`` is taken, column 1 of a two-column array when
      ``classes`` is None. A label that was constant in training has a single
      column; its score is that constant (all ones when the one class is
      ``pos_label``, else all zeros), which needs ``classes`` to tell;
    - :func:`~sklearn.model_selection.cross_val_predict` with
      ``method="predict_proba"`` gives such a list for a multi-output
      classifier, with two columns for every label even where a fold's
      training data had one class; ``np.asarray`` of it, the stacked
      ``(n_labels, n_samples, 2)`` array, is read the same way (column 1 of
      each label).

    Parameters
    ----------
    proba : array-like or list of array-like
        ``predict_proba`` output in one of the forms above.
    classes : list of array-like, default=None
        The classes of each label, in the order of the columns (a multi-output
        estimator's ``classes_``). Needed only for labels with one column, or
        when ``pos_label`` is not in column 1.
    pos_label : object, default=1
        The class meaning "label present".

    Returns
    -------
    scores : ndarray or array-like of shape (n_samples, n_labels)
        ``proba`` itself when it was already one score per label.

    Examples
    --------
    >>> per_label = [np.array([[0.8, 0.2], [0.3, 0.7]]), np.array([[1.0], [1.0]])]
    >>> label_proba(per_label, classes=[[0, 1], [0]])
    array([[0.2, 0. ],
           [0.7, 0. ]])
    >>> label_proba(np.stack([per_label[0], per_label[0][::-1]]))
    array([[0.2, 0.7],
           [0.7, 0.2]])
    """
    if not _is_per_label_list(proba):
        if np.ndim(proba) != 3:
            return proba
        stacked = np.asarray(proba)
        proba = list(stacked)
        if stacked.shape[0] == 0 or stacked.shape[2] != 2:
            raise ValueError(
                "A 3-D proba must be (n_labels, n_samples, 2), as cross_val_predict"
                f"(..., method='predict_proba') stacks it; got {np.shape(proba)}."
            )
    if classes is None:
        classes = [None] * len(proba)
    elif len(classes) != len(proba):
        raise ValueError(
            f"classes has {len(classes)} entries for {len(proba)} labels of proba."
        )
    return np.column_stack(
        [
            _positive_column(np.asarray(p), c, pos_label, j)
            for j, (p, c) in enumerate(zip(proba, classes, strict=True))
        ]
    )


def _positive_column(p, classes, pos_label, j):
    if classes is not None:
        hit = np.flatnonzero(np.asarray(classes) == pos_label)
        if hit.size:
            return p[:, hit[0]]
        return np.zeros(p.shape[0])  # the label never took pos_label in training
    if p.shape[1] == 2:
        return p[:, 1]
    raise ValueError(
        f"Label {j} of proba has {p.shape[1]} column(s); without the classes "
        "of each column, only two-column arrays (negative, positive) can be "
        "read. A label with one column was constant in training, and only "
        "the estimator's classes_ say which constant: use "
        "ThresholdCurveDisplay.from_estimator or "
        "TunedThresholdMultiLabelClassifierCV, which read classes_, or "
        "cross_val_predict(..., method='predict_proba'), which gives every "
        "label two columns, or pass the positive-class column of each label."
    )


def check_Y_proba(Y_true, proba):
    """Validate a label-indicator matrix and a score matrix of the same shape.

    Parameters
    ----------
    Y_true : array-like or sparse matrix of shape (n_samples, n_labels)
        Binary label-indicator matrix (0/1 or bool).
    proba : array-like of shape (n_samples, n_labels) or list of array-like
        Scores in [0, 1], or scikit-learn's multi-output ``predict_proba``
        forms, read by :func:`label_proba`: a list of ``(n_samples, 2)``
        arrays, one per label, or their stacked ``(n_labels, n_samples, 2)``
        form.

    Returns
    -------
    Y : ndarray of bool of shape (n_samples, n_labels)
    P : ndarray of shape (n_samples, n_labels)
        float32 when ``proba`` is float32, float64 otherwise.

    Examples
    --------
    >>> Y, P = check_Y_proba([[1, 0]], [[0.8, 0.1]])
    >>> Y.dtype, P.dtype
    (dtype('bool'), dtype('float64'))
    """
    P = np.asarray(label_proba(proba))
    Y = Y_true.toarray() if hasattr(Y_true, "toarray") else np.asarray(Y_true)
    if P.ndim != 2:
        raise ValueError(
            f"proba must be a 2-D array (n_samples, n_labels); got shape {P.shape}."
        )
    if Y.shape != P.shape:
        raise ValueError(
            f"Y_true and proba must have the same shape; got {Y.shape} and {P.shape}."
        )
    if P.shape[0] == 0 or P.shape[1] == 0:
        raise ValueError(f"Need at least one sample and one label; got {P.shape}.")
    if not np.issubdtype(P.dtype, np.number) or np.issubdtype(
        P.dtype, np.complexfloating
    ):
        raise ValueError(f"proba must be numeric; got dtype {P.dtype}.")
    if P.dtype != np.float32:
        P = P.astype(np.float64, copy=False)
    if not (P.min() >= 0 and P.max() <= 1):  # NaN fails both comparisons
        raise ValueError("proba must contain finite scores in [0, 1].")
    if Y.dtype != bool:
        if not np.issubdtype(Y.dtype, np.number) or not only_zeros_and_ones(Y):
            raise ValueError(
                "Y_true must be a binary label-indicator matrix (0/1 or bool)."
            )
        Y = Y.astype(bool)
    return Y, P


def _check_default(default_threshold):
    if not (isinstance(default_threshold, Real) and 0 <= default_threshold <= 1):
        raise ValueError(
            f"default_threshold must be a float in [0, 1]; got {default_threshold!r}."
        )
    return float(default_threshold)


# ---------------------------------------------------------------------------
# Exact per-label search
# ---------------------------------------------------------------------------


def _midpoints(lo, hi):
    """A threshold ``t`` with ``lo < t <= hi``: the midpoint, or ``hi`` when the
    midpoint rounds down to ``lo`` (adjacent floats)."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    t = lo + (hi - lo) / 2
    return np.where(t > lo, t, hi)


def _cut_thresholds(v, rows, cuts):
    """Thresholds reproducing ascending cuts: ``v[r, i:]`` predicted positive.

    The threshold is the midpoint between the highest score left out (0 when
    none) and the lowest score kept (1 when none), so ``proba >= t`` always
    reproduces the cut.
    """
    n = v.shape[1]
    lo = np.where(cuts > 0, v[rows, np.maximum(cuts - 1, 0)], 0.0)
    hi = np.where(cuts < n, v[rows, np.minimum(cuts, n - 1)], 1.0)
    return _midpoints(lo, hi)


def _label_columns(A, idx):
    if idx.size and idx[-1] - idx[0] + 1 == idx.size:
        return A[:, idx[0] : idx[-1] + 1]  # a view, no gather
    return A[:, idx]


def _sorted_keys(Y, P, idx):
    """Sorted integer keys, one row per label in ``idx``.

    A key is the score's bit pattern shifted left by one with ``1 - y`` in the
    freed lowest bit. For non-negative floats the bit patterns sort like the
    values, and scores in [0, 1] have a spare high bit (the sign bit drops out,
    so -0.0 becomes 0.0). One value sort thus replaces an argsort plus gathers,
    and within a run of equal scores the positives come first. Scores that are
    exactly float32 (e.g. a Keras model's) use 32-bit keys, which sort about
    twice as fast as 64-bit ones.

    Returns the keys (B, n) and the float dtype to read ``key >> 1`` as.
    """
    Ps, Ys = _label_columns(P, idx), _label_columns(Y, idx)
    if Ps.dtype == np.float32:
        bits = Ps.view(np.uint32)
    else:
        P32 = Ps.astype(np.float32)
        bits = P32.view(np.uint32) if np.array_equal(P32, Ps) else Ps.view(np.uint64)
    one = bits.dtype.type(1)
    key = bits << one
    key |= ~Ys
    key = np.ascontiguousarray(key.T)
    key.sort(axis=1)
    return key, (np.float32 if key.dtype == np.uint32 else np.float64)


def _as_float(shifted, ftype):
    """Read keys already shifted right by one as the scores they encode."""
    return np.ascontiguousarray(shifted).view(ftype)


def _key_values(keys, ftype):
    return _as_float(keys >> keys.dtype.type(1), ftype)


def _block_scores(Y, P, objective, labels):
    """Objective at every cut of each label's row; non-cuts get -inf.

    Returns sorted scores ``v`` (B, n) and ``scores`` (B, n + 1) where column
    ``i`` means "predict ``v[:, i:]`` positive" (the ``n - i`` highest scores).
    """
    key, ftype = _sorted_keys(Y, P, labels)
    v = _key_values(key, ftype)
    ys = (key & key.dtype.type(1)) == 0
    n_rows, n = v.shape
    cum_dtype = np.int32 if n < 2**31 - 1 else np.int64
    cy = np.zeros((n_rows, n + 1), dtype=cum_dtype)
    np.cumsum(ys, axis=1, out=cy[:, 1:])
    i = np.arange(n + 1, dtype=cum_dtype)
    tp = cy[:, -1:] - cy
    fp = (n - i) - tp
    scores = np.asarray(objective.label_scores(tp, fp, cy, i - cy, labels), float)
    scores = np.broadcast_to(scores, cy.shape).copy()
    invalid = np.empty(cy.shape, dtype=bool)
    invalid[:, 0] = False
    np.equal(v[:, 1:], v[:, :-1], out=invalid[:, 1:n])
    invalid[:, n] = v[:, -1] >= 1
    scores[invalid] = -np.inf
    return v, scores


def _pick(rows, t, scores, n_rows, default):
    """Per row, the best score; exact ties go to the threshold nearest default."""
    out_s = np.full(n_rows, -np.inf)
    np.maximum.at(out_s, rows, scores)
    tied = np.flatnonzero(scores == out_s[rows])
    dist = np.full(n_rows, np.inf)
    np.minimum.at(dist, rows[tied], np.abs(t[tied] - default))
    tied = tied[np.abs(t[tied] - default) == dist[rows[tied]]]
    out_t = np.full(n_rows, np.nan)
    out_t[rows[tied]] = t[tied]
    out_s[np.isnan(out_t)] = -np.inf
    return out_t, out_s


def _block_best_full(Y, P, objective, labels, default):
    v, scores = _block_scores(Y, P, objective, labels)
    best = scores.max(axis=1)
    rows, cuts = np.nonzero(scores == best[:, None])
    return _pick(
        rows, _cut_thresholds(v, rows, cuts), scores[rows, cuts], v.shape[0], default
    )


def _monotone_candidates(Y, P, labels):
    """Candidate cuts of each label for objectives that never gain from a false
    positive.

    Moving a cut past a run of equal scores holding only negatives keeps tp and
    lowers fp, which cannot lower such an objective, so the optimum is at the
    top of a run holding a positive, or at "predict nothing". Returns, for about
    one candidate per positive, the row (position in ``labels``), the threshold
    reproducing the cut and its confusion counts (tp, fp, fn, tn).
    """
    key, ftype = _sorted_keys(Y, P, labels)
    one = key.dtype.type(1)
    n_rows, n = key.shape
    rows, e = np.nonzero((key & one) == 0)
    n_pos = np.bincount(rows, minlength=n_rows)
    m = np.arange(rows.size) - (np.cumsum(n_pos) - n_pos)[rows]  # positives below
    # Positives sort first within ties, so a run holding a positive starts with
    # one: keep the positives that start a run (compare values, not labels).
    here = key[rows, e] >> one
    below = np.where(e > 0, key[rows, np.maximum(e - 1, 0)] >> one, here)
    head = (e == 0) | (here != below)
    rows, e, m, here, below = rows[head], e[head], m[head], here[head], below[head]
    top = _key_values(key[:, -1], ftype)
    none_ok = np.flatnonzero(top < 1)  # "predict nothing" is reachable
    rows = np.concatenate([rows, none_ok])
    cuts = np.concatenate([e, np.full(none_ok.size, n)])
    fn = np.concatenate([m, n_pos[none_ok]])
    tp = n_pos[rows] - fn
    fp = (n - cuts) - tp
    tn = cuts - fn
    lo = np.concatenate([np.where(e > 0, _as_float(below, ftype), 0.0), top[none_ok]])
    hi = np.concatenate([_as_float(here, ftype), np.ones(none_ok.size)])
    return rows, _midpoints(lo, hi), tp, fp, fn, tn


def _block_best_monotone(Y, P, objective, labels, default):
    """Best cut per label, scoring only the monotone candidates: the same
    optimum as scoring every cut, without full-length count arrays."""
    rows, t, tp, fp, fn, tn = _monotone_candidates(Y, P, labels)
    scores = np.asarray(
        objective.label_scores(tp, fp, fn, tn, labels[rows]), dtype=float
    )
    scores = np.broadcast_to(scores, rows.shape)
    t_out, s_out = _pick(rows, t, scores, labels.size, default)
    missing = np.flatnonzero(np.isnan(t_out))  # no positive and top score is 1
    if missing.size:
        t_out[missing], s_out[missing] = _block_best_full(
            Y, P, objective, labels[missing], default
        )
    return t_out, s_out


def _n_threads(n_jobs):
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, int(n_jobs))


def _map_blocks(func, labels, n_samples, n_jobs, block_elems=2_000_000):
    """Apply ``func(block_labels)`` over label blocks, in threads (NumPy's sort
    and element-wise loops release the GIL)."""
    size = max(1, block_elems // max(n_samples, 1))
    blocks = [labels[i : i + size] for i in range(0, len(labels), size)]
    threads = min(_n_threads(n_jobs), len(blocks))
    if threads <= 1:
        return [func(b) for b in blocks]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(func, blocks))


def _per_label_search(Y, P, objective, labels, default, n_jobs):
    block_best = _block_best_monotone if objective.monotone else _block_best_full

    def work(idx):
        return block_best(Y, P, objective, idx, default)

    parts = _map_blocks(work, labels, P.shape[0], n_jobs)
    if not parts:
        return np.empty(0), np.empty(0)
    return tuple(np.concatenate([p[i] for p in parts]) for i in (0, 1))


def _label_scores_at(Y, P, thresholds, objective, labels=None):
    """Per-label objective for fixed thresholds (direct counts)."""
    D = P >= thresholds
    tp = np.sum(D & Y, axis=0)
    fp = np.sum(D, axis=0) - tp
    fn = np.sum(Y, axis=0) - tp
    tn = Y.shape[0] - tp - fp - fn
    return np.asarray(
        objective.label_scores(
            tp, fp, fn, tn, np.arange(Y.shape[1]) if labels is None else labels
        ),
        dtype=float,
    )


def label_curves(Y, P, objective, labels):
    """Per-label objective at every distinct cut of each label in ``labels``.

    Returns increasing thresholds and their scores, one array of each per label.
    """
    out_t, out_s = [], []
    for j in labels:
        v, scores = _block_scores(Y, P, objective, np.array([j]))
        cuts = np.flatnonzero(np.isfinite(scores[0]))
        out_t.append(_cut_thresholds(v, np.zeros_like(cuts), cuts))
        out_s.append(scores[0, cuts])
    return out_t, out_s
