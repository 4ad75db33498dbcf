"""Coordinate ascent for the global (label-coupling) objectives: pure NumPy.

One ascent serves every :class:`~sklearn_multilabel_nn._objectives.GlobalObjective`.
Each sweep visits every tuned label and moves it to its best cut with the other
labels fixed, only on a strict gain, so the global score never decreases. What
differs by objective is how one label's cuts are scored from counts kept up to
date across moves (a "state"):

- :class:`~sklearn_multilabel_nn._objectives.MicroMacroF1` keeps pooled and
  per-label counts. Neither micro- nor macro-F1 gains from a false positive, so
  a label's best move is among its monotone candidates (about one per
  positive), found once by the per-label start's sort and scored in
  O(candidates) per visit.
- :class:`~sklearn_multilabel_nn._objectives.SampleAverage` keeps per-sample
  counts and scores every cut of a label from one descending order (cached)
  and a cumulative sum of per-sample gains, O(n) per visit.
"""

import numpy as np

from .._objectives import MicroMacroF1, SampleAverage
from ._search import (
    _cut_thresholds,
    _map_blocks,
    _monotone_candidates,
    _per_label_search,
    _pick,
)

_REL_TOL = 1e-12  # a move needs a gain above this (relative) tolerance


def _desc_cut_threshold(v, k):
    """Threshold selecting the ``k`` highest of descending scores ``v``."""
    asc = v[::-1][None, :]
    n = v.shape[0]
    return float(_cut_thresholds(asc, np.array([0]), np.array([n - k]))[0])


def _valid_cuts(v):
    """Cuts ``k`` of descending scores ``v`` reachable by a threshold in [0, 1]."""
    n = v.shape[0]
    valid = np.empty(n + 1, dtype=bool)
    valid[0] = v[0] < 1
    valid[n] = True
    np.not_equal(v[1:], v[:-1], out=valid[1:n])
    return valid


class _State:
    """Decisions of every label, with the counts a global objective is scored
    from, updated one label at a time.

    ``start`` sets the per-label start; ``candidates(j)`` scores label ``j``'s
    candidate cuts and its current cut; ``move(j, i)`` takes candidate ``i`` and
    returns its threshold; ``curve(j)`` scores every cut (for the curves).
    """

    def __init__(self, objective, Y, P):
        self.objective, self.Y, self.P = objective, Y, P
        self.label_objective = objective.label_objective
        self._orders = {}  # label -> descending order, reused across sweeps
        self._cache_left = 50_000_000  # int32 entries (200 MB)

    def _descending(self, j):
        col = self.P[:, j]
        order = self._orders.get(j)
        if order is None:
            # Descending; the order within runs of ties does not matter, only
            # cuts between runs are scored.
            order = np.argsort(col)[::-1]
            if self._cache_left >= col.shape[0]:
                self._orders[j] = order = order.astype(np.int32)
                self._cache_left -= col.shape[0]
        return order, col[order]

    def curve(self, j):
        """Global score for every cut of label ``j``, the others fixed.

        Returns the label's scores sorted descending, the global score of each
        cut ``k`` (the ``k`` highest predicted; ``-inf`` where no threshold
        gives the cut) and the current cut.
        """
        order, v = self._descending(j)
        scores = np.where(_valid_cuts(v), self._cut_scores(j, order), -np.inf)
        return v, scores, self._n_predicted(j)


class _MicroState(_State):
    """Pooled and per-label counts for micro-F1 blended with macro-F1."""

    def reset(self, thresholds):
        D = self.P >= thresholds
        self.tp_j = np.count_nonzero(D & self.Y, axis=0)
        self.pred_j = np.count_nonzero(D, axis=0)
        self.true_j = np.count_nonzero(self.Y, axis=0)
        self.tp = int(self.tp_j.sum())
        self.pred = int(self.pred_j.sum())
        self.true = int(self.true_j.sum())

    def start(self, thresholds, labels, default, n_jobs):
        """Per-label F1 optimum from the monotone candidates, which are kept."""
        Y, P, label = self.Y, self.P, self.label_objective

        def work(idx):
            rows, t, tp, fp, fn, tn = _monotone_candidates(Y, P, idx)
            scores = np.asarray(label.label_scores(tp, fp, fn, tn, idx[rows]), float)
            start, _ = _pick(rows, t, scores, idx.size, default)
            return idx, rows, t, tp, tp + fp, start

        thresholds = thresholds.copy()
        self._cands = {}
        for idx, rows, t, tp, pred, start in _map_blocks(
            work, labels, P.shape[0], n_jobs
        ):
            thresholds[idx] = start
            order = np.argsort(rows, kind="stable")
            bounds = np.searchsorted(rows[order], np.arange(idx.size + 1))
            for r, j in enumerate(idx):
                sel = order[bounds[r] : bounds[r + 1]]
                self._cands[j] = (t[sel], tp[sel], pred[sel])
        missing = np.flatnonzero(np.isnan(thresholds))  # no positive and top is 1
        if missing.size:
            thresholds[missing] = _per_label_search(
                Y, P, label, missing, default, n_jobs
            )[0]
        self.reset(thresholds)
        return thresholds

    def _f1_rest(self, j):
        """The other labels' F1, summed (0 for pure micro-F1)."""
        if not self.objective.macro_weight:
            return 0.0
        f1 = self.objective.label_f1(self.tp_j, self.pred_j, self.true_j)
        return np.sum(f1) - f1[j]

    def _scores(self, j, tp_c, pred_c, f1_rest):
        """Global scores when label ``j`` has counts ``tp_c``, ``pred_c``."""
        tp0, pred0 = self.tp - self.tp_j[j], self.pred - self.pred_j[j]
        return self.objective.blend(
            tp0 + tp_c, pred0 + pred_c, self.true, f1_rest, tp_c, pred_c,
            self.true_j[j], self.Y.shape[1],
        )  # fmt: skip

    def candidates(self, j):
        t_c, tp_c, pred_c = self._cands[j]
        if t_c.size == 0:
            return t_c, None
        rest = self._f1_rest(j)
        current = self._scores(j, self.tp_j[j], self.pred_j[j], rest)
        return self._scores(j, tp_c, pred_c, rest), current

    def move(self, j, i):
        t_c, tp_c, pred_c = self._cands[j]
        self.tp += int(tp_c[i]) - int(self.tp_j[j])
        self.pred += int(pred_c[i]) - int(self.pred_j[j])
        self.tp_j[j], self.pred_j[j] = tp_c[i], pred_c[i]
        return t_c[i]

    def _cut_scores(self, j, order):
        tp_k = np.concatenate(([0], np.cumsum(self.Y[order, j])))
        k = np.arange(order.shape[0] + 1)
        return self._scores(j, tp_k, k, self._f1_rest(j))

    def _n_predicted(self, j):
        return int(self.pred_j[j])


class _SampleState(_State):
    """Per-sample counts (correct, true, predicted) for per-sample F1/Jaccard."""

    def reset(self, thresholds):
        self.D = self.P >= thresholds
        self.c = np.sum(self.D & self.Y, axis=1)
        self.t = np.sum(self.Y, axis=1)
        self.p = np.sum(self.D, axis=1)

    def start(self, thresholds, labels, default, n_jobs):
        """Per-label optimum of the same metric (F1 or Jaccard)."""
        thresholds = thresholds.copy()
        thresholds[labels] = _per_label_search(
            self.Y, self.P, self.label_objective, labels, default, n_jobs
        )[0]
        self.reset(thresholds)
        return thresholds

    def candidates(self, j):
        v, scores, k_cur = self.curve(j)
        self._last = v
        return scores, scores[k_cur]

    def move(self, j, k):
        t = _desc_cut_threshold(self._last, k)
        d_new = self.P[:, j] >= t
        d, y = self.D[:, j], self.Y[:, j]
        self.c += (d_new & y).astype(self.c.dtype) - (d & y)
        self.p += d_new.astype(self.p.dtype) - d
        self.D[:, j] = d_new
        return t

    def _cut_scores(self, j, order):
        d, y = self.D[:, j], self.Y[:, j]
        c0, p0 = self.c - (d & y), self.p - d
        metric = self.objective.sample_scores
        base = metric(c0, self.t, p0)
        gain = metric(c0 + y, self.t, p0 + 1) - base
        cum = np.concatenate(([0.0], np.cumsum(gain[order])))
        return (np.sum(base) + cum) / self.Y.shape[0]

    def _n_predicted(self, j):
        return int(np.sum(self.D[:, j]))


def _state(objective, Y, P):
    if isinstance(objective, MicroMacroF1):
        return _MicroState(objective, Y, P)
    if isinstance(objective, SampleAverage):
        return _SampleState(objective, Y, P)
    raise ValueError(
        f"No coordinate ascent for {objective!r}: a global objective must be a "
        "MicroMacroF1 or a SampleAverage."
    )


def coordinate_ascent(objective, Y, P, thresholds, labels, default, max_sweeps, n_jobs):
    """Per-label start, then coordinate ascent on ``labels`` for ``objective``.

    Returns the thresholds and the number of sweeps run (0 when ``labels`` is
    empty; the ascent stops early after a sweep that moves nothing).
    """
    state = _state(objective, Y, P)
    thresholds = state.start(thresholds, labels, default, n_jobs)
    if labels.size == 0:
        return thresholds, 0
    n_sweeps = 0
    for _ in range(max_sweeps):
        n_sweeps += 1
        changed = False
        for j in labels:
            scores, current = state.candidates(j)
            if current is None:
                continue
            best = int(np.argmax(scores))
            # Moving only on a strict gain over the current cut never lowers
            # the global score.
            if scores[best] > current + _REL_TOL * max(1.0, abs(current)):
                thresholds[j] = state.move(j, best)
                changed = True
        if not changed:
            break
    return thresholds, n_sweeps


def global_curves(objective, Y, P, thresholds, labels):
    """The global score against each label's threshold, the others fixed."""
    state = _state(objective, Y, P)
    state.reset(thresholds)
    out_t, out_s = [], []
    for j in labels:
        v, scores, _ = state.curve(j)
        k = np.flatnonzero(np.isfinite(scores))
        t = np.array([_desc_cut_threshold(v, kk) for kk in k])
        out_t.append(t[::-1])
        out_s.append(scores[k][::-1])
    return out_t, out_s
