"""Per-label decision thresholds: pure NumPy, no Keras and no estimators."""

import numbers
from numbers import Real

import numpy as np

from ._objectives import _check_scoring, _Global, _safe_div


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


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def _check_Y_proba(Y_true, proba):
    """Validate a label-indicator matrix and a score matrix of the same shape."""
    P = np.asarray(proba)
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
        if not np.issubdtype(Y.dtype, np.number) or not np.all((Y == 0) | (Y == 1)):
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
    scores = np.asarray(objective._label_scores(tp, fp, cy, i - cy, labels), float)
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
        objective._label_scores(tp, fp, fn, tn, labels[rows]), dtype=float
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
    import os

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
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(func, blocks))


def _per_label_search(Y, P, objective, labels, default, n_jobs):
    block_best = (
        _block_best_monotone
        if getattr(objective, "_monotone", False)
        else _block_best_full
    )

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
        objective._label_scores(
            tp, fp, fn, tn, np.arange(Y.shape[1]) if labels is None else labels
        ),
        dtype=float,
    )


# ---------------------------------------------------------------------------
# Global objectives: coordinate ascent
# ---------------------------------------------------------------------------


def _sample_metric(name, c, t, p, zd):
    """Per-sample F1 / Jaccard from correct, true and predicted label counts."""
    if name == "f1_samples":
        return _safe_div(2 * c, t + p, zd)
    return _safe_div(c, t + p - c, zd)


def _global_score(name, Y, D, zd):
    if name in _MICRO:
        tp = np.sum(D & Y, axis=0)
        micro = float(_safe_div(2 * np.sum(tp), np.sum(D) + np.sum(Y), zd))
        if name == "f1_micro":
            return micro
        macro = np.mean(_safe_div(2 * tp, np.sum(D, axis=0) + np.sum(Y, axis=0), zd))
        return 0.5 * (micro + float(macro))
    c, t, p = np.sum(D & Y, axis=1), np.sum(Y, axis=1), np.sum(D, axis=1)
    return float(np.mean(_sample_metric(name, c, t, p, zd)))


_MICRO = ("f1_micro", "f1_micro_macro")  # solved on global (and per-label) counts


def _micro_macro_scores(w, zd, tp, pred, true, f1_rest, tp_j, pred_j, true_j, n_labels):
    """``(1 - w) * micro-F1 + w * macro-F1`` for candidate cuts of one label:
    global counts ``tp``, ``pred``, ``true``, the other labels' F1 summed in
    ``f1_rest``, and the label's own counts ``tp_j``, ``pred_j``, ``true_j``."""
    micro = _safe_div(2 * tp, pred + true, zd)
    if not w:
        return micro
    macro = (f1_rest + _safe_div(2 * tp_j, pred_j + true_j, zd)) / n_labels
    return (1 - w) * micro + w * macro


class _CoordinateState:
    """Global counts with the decisions of every label, updated one label at a
    time so that scoring all cuts of one label costs O(n log n)."""

    def __init__(self, name, Y, P, thresholds, zd):
        self.name, self.Y, self.P, self.zd = name, Y, P, zd
        self.D = P >= thresholds
        self._orders = {}  # label -> descending order, reused across sweeps
        self._cache_left = 50_000_000  # int32 entries (200 MB)
        if name in _MICRO:
            self.w = 0.5 if name == "f1_micro_macro" else 0.0
            self.tp_j = np.sum(self.D & Y, axis=0)
            self.pred_j = np.sum(self.D, axis=0)
            self.true_j = np.sum(Y, axis=0)
            self.tp = int(np.sum(self.tp_j))
            self.pred = int(np.sum(self.pred_j))
            self.true = int(np.sum(self.true_j))
        else:
            self.c = np.sum(self.D & Y, axis=1)
            self.t = np.sum(Y, axis=1)
            self.p = np.sum(self.D, axis=1)

    def curve(self, j):
        """Global score for every cut of label ``j``, the others fixed.

        Returns sorted scores (descending, as a (1, n) row), the cut sizes ``k``
        (``k`` highest scores predicted), the scores and the current cut.
        """
        Y, n = self.Y, self.Y.shape[0]
        col = self.P[:, j]
        order = self._orders.get(j)
        if order is None:
            # Descending; the order within runs of ties does not matter, only
            # cuts between runs are scored.
            order = np.argsort(col)[::-1]
            if self._cache_left >= n:
                self._orders[j] = order = order.astype(np.int32)
                self._cache_left -= n
        v = col[order]
        ys = Y[order, j]
        d, y = self.D[:, j], Y[:, j]
        if self.name in _MICRO:
            tp0 = self.tp - int(np.sum(d & y))
            pred0 = self.pred - int(np.sum(d))
            tp_k = np.concatenate(([0], np.cumsum(ys)))
            k = np.arange(n + 1)
            f1 = _safe_div(2 * self.tp_j, self.pred_j + self.true_j, self.zd)
            scores = _micro_macro_scores(
                self.w, self.zd, tp0 + tp_k, pred0 + k, self.true,
                np.sum(f1) - f1[j], tp_k, k, self.true_j[j], Y.shape[1],
            )  # fmt: skip
        else:
            c0, p0 = self.c - (d & y), self.p - d
            base = _sample_metric(self.name, c0, self.t, p0, self.zd)
            gain = _sample_metric(self.name, c0 + y, self.t, p0 + 1, self.zd) - base
            scores = (
                np.sum(base) + np.concatenate(([0.0], np.cumsum(gain[order])))
            ) / n
        valid = np.empty(n + 1, dtype=bool)
        valid[0] = v[0] < 1
        valid[n] = True
        np.not_equal(v[1:], v[:-1], out=valid[1:n])
        scores = np.where(valid, scores, -np.inf)
        return v, scores, int(np.sum(d))

    def set_cut(self, j, t):
        d_new = self.P[:, j] >= t
        d, y = self.D[:, j], self.Y[:, j]
        if self.name in _MICRO:
            self.tp += int(np.sum(d_new & y)) - int(np.sum(d & y))
            self.pred += int(np.sum(d_new)) - int(np.sum(d))
            self.tp_j[j] = int(np.sum(d_new & y))
            self.pred_j[j] = int(np.sum(d_new))
        else:
            self.c += (d_new & y).astype(self.c.dtype) - (d & y)
            self.p += d_new.astype(self.p.dtype) - d
        self.D[:, j] = d_new


def _desc_cut_threshold(v, k):
    """Threshold selecting the ``k`` highest of descending scores ``v``."""
    asc = v[::-1][None, :]
    n = v.shape[0]
    return float(_cut_thresholds(asc, np.array([0]), np.array([n - k]))[0])


def _micro_f1_ascent(
    Y, P, thresholds, labels, objective, default, max_sweeps, zd, n_jobs, w=0.0
):
    """Per-label start and coordinate ascent for ``(1 - w) * micro-F1 + w *
    macro-F1`` (``w=0``: micro-F1), on the monotone candidates only.

    Neither micro- nor macro-F1 gains from a false positive, so each label's
    best move is among its candidates (about one per positive), scored from
    global counts in O(candidates): after the one sort per label that the
    per-label start needs anyway, sweeps cost almost nothing.
    """
    thresholds = thresholds.copy()

    def work(idx):
        rows, t, tp, fp, fn, tn = _monotone_candidates(Y, P, idx)
        scores = np.asarray(objective._label_scores(tp, fp, fn, tn, idx[rows]), float)
        start, _ = _pick(rows, t, scores, idx.size, default)
        return idx, rows, t, tp, tp + fp, start

    cands = {}
    for idx, rows, t, tp, pred, start in _map_blocks(work, labels, P.shape[0], n_jobs):
        thresholds[idx] = start
        order = np.argsort(rows, kind="stable")
        bounds = np.searchsorted(rows[order], np.arange(idx.size + 1))
        for r, j in enumerate(idx):
            sel = order[bounds[r] : bounds[r + 1]]
            cands[j] = (t[sel], tp[sel], pred[sel])
    missing = np.flatnonzero(np.isnan(thresholds))  # no positive and top is 1
    if missing.size:
        thresholds[missing] = _per_label_search(
            Y, P, objective, missing, default, n_jobs
        )[0]
    D = P >= thresholds
    tp_cur = np.count_nonzero(D & Y, axis=0)
    pred_cur = np.count_nonzero(D, axis=0)
    true = np.count_nonzero(Y, axis=0)
    TP, PRED, TRUE = int(tp_cur.sum()), int(pred_cur.sum()), int(true.sum())
    n_labels = Y.shape[1]
    n_sweeps = 0
    for _ in range(max_sweeps):
        n_sweeps += 1
        changed = False
        for j in labels:
            t_c, tp_c, pred_c = cands[j]
            if t_c.size == 0:
                continue
            tp0, pred0 = TP - tp_cur[j], PRED - pred_cur[j]
            f1 = _safe_div(2 * tp_cur, pred_cur + true, zd) if w else 0.0
            rest = np.sum(f1) - f1[j] if w else 0.0
            current = _micro_macro_scores(
                w, zd, TP, PRED, TRUE, rest, tp_cur[j], pred_cur[j], true[j], n_labels
            )
            scores = _micro_macro_scores(
                w, zd, tp0 + tp_c, pred0 + pred_c, TRUE, rest, tp_c, pred_c,
                true[j], n_labels,
            )  # fmt: skip
            best = int(np.argmax(scores))
            if scores[best] > current + 1e-12 * max(1.0, abs(current)):
                thresholds[j] = t_c[best]
                TP, PRED = tp0 + int(tp_c[best]), pred0 + int(pred_c[best])
                tp_cur[j], pred_cur[j] = tp_c[best], pred_c[best]
                changed = True
        if not changed:
            break
    return thresholds, n_sweeps


def _coordinate_ascent(name, Y, P, thresholds, labels, max_sweeps, zd):
    state = _CoordinateState(name, Y, P, thresholds, zd)
    thresholds = thresholds.copy()
    n_sweeps = 0
    for _ in range(max_sweeps):
        n_sweeps += 1
        changed = False
        for j in labels:
            v, scores, k_cur = state.curve(j)
            k_best = int(np.argmax(scores))
            # Move only on a strict gain: the current cut is itself a candidate,
            # so the global score never decreases.
            if scores[k_best] > scores[k_cur] + 1e-12 * max(1.0, abs(scores[k_cur])):
                thresholds[j] = _desc_cut_threshold(v, k_best)
                state.set_cut(j, thresholds[j])
                changed = True
        if not changed:
            break
    return thresholds, n_sweeps


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


class ThresholdTuningResult:
    """Outcome of :func:`tune_thresholds`.

    Attributes
    ----------
    thresholds : ndarray of shape (n_labels,)
        Decision threshold per label, used as ``proba >= thresholds``.
    label_scores : ndarray of shape (n_labels,)
        Per-label score at ``thresholds``: the per-label objective itself, or for
        a global objective (``"f1_micro"``, ``"f1_samples"``, ``"jaccard_samples"``)
        each label's own F1 (Jaccard for ``"jaccard_samples"``).
    score : float
        Overall score at ``thresholds`` (greater is better): the mean of
        ``label_scores`` (the sum for :class:`MisclassificationCost` or a
        ``CountObjective(aggregate="sum")``), or the global metric.
    tuned : ndarray of bool, shape (n_labels,)
        False where a label kept ``default_threshold`` (too few positives or
        negatives, see ``min_positives``).
    n_sweeps : int
        Coordinate-ascent sweeps run (0 for per-label objectives).
    """

    def __init__(self, thresholds, label_scores, score, tuned, n_sweeps=0):
        self.thresholds = thresholds
        self.label_scores = label_scores
        self.score = score
        self.tuned = tuned
        self.n_sweeps = n_sweeps

    def __iter__(self):  # allows ``thresholds, label_scores, score = ...[:3]``
        return iter((self.thresholds, self.label_scores, self.score))

    def __repr__(self):
        return (
            f"ThresholdTuningResult(score={self.score:.4g}, "
            f"n_labels={self.thresholds.shape[0]}, n_tuned={int(self.tuned.sum())})"
        )


def tune_thresholds(
    Y_true,
    proba,
    scoring="f1",
    *,
    min_positives=5,
    default_threshold=0.5,
    max_sweeps=5,
    zero_division=0,
    n_jobs=None,
):
    """Find the decision threshold of every label that maximises ``scoring``.

    Per-label objectives are solved exactly: each label's scores are sorted once
    and every distinct cut point is scored from cumulative counts, O(n log n) per
    label, vectorised over blocks of labels. Global objectives start from the
    per-label optimum (F1, or Jaccard for ``"jaccard_samples"``) and are improved
    by coordinate ascent: each sweep visits every tuned label and moves it to its
    best cut with the other labels fixed, which never lowers the score.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_labels)
        Binary label-indicator matrix.
    proba : array-like of shape (n_samples, n_labels)
        Scores in [0, 1] (e.g. out-of-fold ``predict_proba``).
    scoring : str, FBetaScore, MisclassificationCost, CountObjective or callable, \
default="f1"
        A name in :data:`THRESHOLD_SCORINGS`, an objective object, or a callable
        ``func(tp, fp, fn, tn)`` of one label's confusion counts (greater is
        better; wrapped in :class:`CountObjective`).
    min_positives : int, default=5
        Rare-label rule: a label with fewer than ``min_positives`` positive *or*
        fewer than ``min_positives`` negative samples keeps ``default_threshold``
        (its ``tuned`` entry is False) instead of a threshold fitted to a handful
        of samples. It is also left out of coordinate ascent. ``0`` tunes every
        label.
    default_threshold : float, default=0.5
        Threshold for labels that are not tuned.
    max_sweeps : int, default=5
        Most coordinate-ascent sweeps for global objectives (stops earlier when a
        sweep changes nothing).
    zero_division : {0, 1}, default=0
        Value of a 0/0 score: a label (or, for ``"f1_samples"`` and
        ``"jaccard_samples"``, a sample) with no true and no predicted
        positive. ``0`` is scikit-learn's default; ``1`` (the MULAN convention)
        rewards predicting nothing for a sample with no labels. Use the value
        the model will be evaluated with. Ignored by callables.
    n_jobs : int, default=None
        Threads for the per-label search (``None``: 1, ``-1``: all cores).

    Returns
    -------
    result : ThresholdTuningResult
        ``result.thresholds`` (n_labels,), ``result.label_scores`` (n_labels,),
        ``result.score``, ``result.tuned``; unpacks as
        ``thresholds, label_scores, score = result``.

    Notes
    -----
    A cut is reported as the midpoint between the lowest score kept and the
    highest score left out (0 and 1 act as outer bounds), so ``proba >= t``
    reproduces it on the tuning data and the threshold sits in the gap rather
    than on a training score. Exact ties between cuts go to the threshold nearest
    ``default_threshold``. When a label's top score is exactly 1, "predict
    nothing" is not reachable with a threshold in [0, 1] and is not a candidate.

    Examples
    --------
    >>> Y = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    >>> proba = np.array([[0.9, 0.2], [0.3, 0.4], [0.35, 0.1], [0.2, 0.3]])
    >>> res = tune_thresholds(Y, proba, "f1", min_positives=1)
    >>> res.thresholds
    array([0.325, 0.35 ])
    >>> res.score
    1.0
    """
    Y, P = _check_Y_proba(Y_true, proba)
    default = _check_default(default_threshold)
    if not (isinstance(min_positives, numbers.Integral) and min_positives >= 0):
        raise ValueError(
            f"min_positives must be a non-negative int; got {min_positives!r}."
        )
    if not (isinstance(max_sweeps, numbers.Integral) and max_sweeps >= 0):
        raise ValueError(f"max_sweeps must be a non-negative int; got {max_sweeps!r}.")
    objective = _check_scoring(scoring, zero_division)
    zd = objective._zero_division
    n_samples, n_labels = P.shape
    if hasattr(objective, "_validate"):
        objective._validate(n_labels)

    n_pos = np.count_nonzero(Y, axis=0)
    tuned = (n_pos >= min_positives) & (n_samples - n_pos >= min_positives)
    labels = np.flatnonzero(tuned)

    global_name = objective.name if isinstance(objective, _Global) else None
    label_objective = objective
    if global_name is not None:
        label_objective = _check_scoring(
            "jaccard" if global_name == "jaccard_samples" else "f1", zd
        )

    thresholds = np.full(n_labels, default)
    label_scores = np.empty(n_labels)
    n_sweeps = 0
    if global_name in _MICRO:
        thresholds, n_sweeps = _micro_f1_ascent(
            Y, P, thresholds, labels, label_objective, default, max_sweeps, zd,
            n_jobs, w=0.5 if global_name == "f1_micro_macro" else 0.0,
        )  # fmt: skip
    else:
        thresholds[labels], label_scores[labels] = _per_label_search(
            Y, P, label_objective, labels, default, n_jobs
        )
    if global_name in _MICRO:
        label_scores = _label_scores_at(Y, P, thresholds, label_objective)
    elif global_name is not None and labels.size:
        thresholds, n_sweeps = _coordinate_ascent(
            global_name, Y, P, thresholds, labels, max_sweeps, zd
        )
        label_scores = _label_scores_at(Y, P, thresholds, label_objective)
    else:  # the search's scores are those at its thresholds; add the rest
        rest = np.flatnonzero(~tuned)
        label_scores[rest] = _label_scores_at(
            Y[:, rest], P[:, rest], thresholds[rest], label_objective, rest
        )
    if global_name is not None:
        score = _global_score(global_name, Y, P >= thresholds, zd)
    else:
        score = float(label_objective._aggregate(label_scores))
    return ThresholdTuningResult(thresholds, label_scores, score, tuned, n_sweeps)


def threshold_curves(
    Y_true, proba, scoring="f1", *, thresholds=None, labels=None, zero_division=0
):
    """Score against threshold for each label, over every distinct cut point.

    For a per-label objective a label's curve is its own score; for a global one
    it is the global score as that label's threshold moves with the other labels
    held at ``thresholds`` (tuned with :func:`tune_thresholds` when None).

    Parameters
    ----------
    Y_true, proba : array-like of shape (n_samples, n_labels)
        As for :func:`tune_thresholds`.
    scoring : str, objective or callable, default="f1"
        As for :func:`tune_thresholds`.
    thresholds : array-like of shape (n_labels,), default=None
        Other labels' thresholds for global objectives (ignored otherwise).
    labels : array-like of int, default=None
        Label indices to compute (all when None).
    zero_division : {0, 1}, default=0
        As for :func:`tune_thresholds`.

    Returns
    -------
    curve_thresholds : list of ndarray
        Increasing thresholds of each requested label, one per distinct cut.
    curve_scores : list of ndarray
        The score at each of those thresholds.

    Examples
    --------
    >>> ts, ss = threshold_curves([[1], [0]], [[0.8], [0.2]])
    >>> ts[0], ss[0]
    (array([0.1, 0.5, 0.9]), array([0.66666667, 1.        , 0.        ]))
    """
    Y, P = _check_Y_proba(Y_true, proba)
    objective = _check_scoring(scoring, zero_division)
    n_labels = P.shape[1]
    if hasattr(objective, "_validate"):
        objective._validate(n_labels)
    labels = np.arange(n_labels) if labels is None else np.asarray(labels, dtype=int)
    if labels.ndim != 1 or np.any((labels < 0) | (labels >= n_labels)):
        raise ValueError(f"labels must be indices in [0, {n_labels}); got {labels}.")
    out_t, out_s = [], []
    if isinstance(objective, _Global):
        if thresholds is None:
            thresholds = tune_thresholds(
                Y, P, scoring, zero_division=zero_division
            ).thresholds
        state = _CoordinateState(
            objective.name,
            Y,
            P,
            resolve_thresholds(thresholds, n_labels),
            objective._zero_division,
        )
        for j in labels:
            v, scores, _ = state.curve(j)
            k = np.flatnonzero(np.isfinite(scores))
            t = np.array([_desc_cut_threshold(v, kk) for kk in k])
            out_t.append(t[::-1])
            out_s.append(scores[k][::-1])
        return out_t, out_s
    for j in labels:
        idx = np.array([j])
        v, scores = _block_scores(Y, P, objective, idx)
        cuts = np.flatnonzero(np.isfinite(scores[0]))
        t = _cut_thresholds(v, np.zeros_like(cuts), cuts)
        out_t.append(t)
        out_s.append(scores[0, cuts])
    return out_t, out_s


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
    P = np.asarray(proba, dtype=float)
    if P.ndim != 2:
        raise ValueError(
            f"proba must be a 2-D array (n_samples, n_labels); got shape {P.shape}."
        )
    n_labels = P.shape[1]
    t = resolve_thresholds(thresholds, n_labels)
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
