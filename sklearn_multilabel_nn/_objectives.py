"""Threshold objectives: what ``tune_thresholds`` maximises.

Every objective is "greater is better" and follows the :class:`Objective`
protocol. Per-label objectives are functions of one label's confusion counts
(tp, fp, fn, tn); they are maximised exactly, label by label. Global objectives
(:class:`GlobalObjective`) couple the labels and are improved by coordinate
ascent (in ``_thresholds``). 0/0 counts as 0, as scikit-learn's metrics do by
default.
"""

import copy
from numbers import Real

import numpy as np


def _safe_div(num, den, fill=0.0):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, float(fill))
    np.divide(num, den, out=out, where=den != 0)
    return out


def _rows(values, like):
    """Reshape per-label ``values`` so they broadcast along ``like``'s rows."""
    return values.reshape(values.shape + (1,) * (np.ndim(like) - 1))


class Objective:
    """Base class of threshold objectives: the protocol ``tune_thresholds`` uses.

    A per-label objective scores one label from its confusion counts at a
    threshold; :func:`~sklearn_multilabel_nn.tune_thresholds` then finds, label by
    label, the threshold with the highest score (exactly, over every distinct cut
    point) and combines the per-label scores with :meth:`aggregate`. To write
    your own, subclass and implement :meth:`label_scores`; override the rest
    only when the defaults do not fit.

    Attributes
    ----------
    monotone : bool, default=False
        Class attribute. Declare that the score never rises with ``fp`` when
        ``tp`` is fixed (true of F-beta, Jaccard and costs). The search then
        scores only the cuts at the top of runs of equal scores holding a
        positive, which is faster and gives the same optimum; leave False if
        unsure.
    zero_division : float, default=0.0
        The value a 0/0 score takes. :func:`as_objective` sets it on a copy from
        the ``zero_division`` argument of the tuning functions; an objective
        that divides should read it (or may ignore it).
    is_global : bool, default=False
        Class attribute. False for per-label objectives; True for the
        label-coupling objectives, which subclass :class:`GlobalObjective`.

    See Also
    --------
    FBetaScore, MisclassificationCost, CountObjective : Built-in objectives.

    Examples
    --------
    Balanced accuracy (the mean of recall and specificity) as a per-label
    objective:

    >>> import numpy as np
    >>> from sklearn_multilabel_nn import Objective, tune_thresholds
    >>> class BalancedAccuracy(Objective):
    ...     def label_scores(self, tp, fp, fn, tn, labels):
    ...         recall = tp / np.maximum(tp + fn, 1)
    ...         specificity = tn / np.maximum(tn + fp, 1)
    ...         return (recall + specificity) / 2
    >>> Y = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    >>> proba = np.array([[0.9, 0.2], [0.3, 0.4], [0.35, 0.1], [0.2, 0.3]])
    >>> res = tune_thresholds(Y, proba, BalancedAccuracy(), min_positives=1)
    >>> res.thresholds, res.score
    (array([0.325, 0.35 ]), 1.0)
    """

    monotone = False
    zero_division = 0.0
    is_global = False

    def label_scores(self, tp, fp, fn, tn, labels):
        """Score of each label at each cut, from its confusion counts.

        Parameters
        ----------
        tp, fp, fn, tn : ndarray of int
            Confusion counts, all of the same shape: ``(n,)`` (one count per
            entry of ``labels``) or ``(n, n_cuts)`` (one row per entry of
            ``labels``, one column per candidate cut).
        labels : ndarray of int of shape (n,)
            The label index of each row, for objectives that differ by label
            (such as per-label costs); most ignore it.

        Returns
        -------
        scores : ndarray of float
            Broadcastable to the shape of ``tp``; greater is better. ``-inf``
            marks a cut that must not be chosen.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement "
            "label_scores(tp, fp, fn, tn, labels)."
        )

    def aggregate(self, label_scores):
        """Overall score from the per-label scores: their mean by default.

        Parameters
        ----------
        label_scores : ndarray of shape (n_labels,)
            The score of each label at its threshold.

        Returns
        -------
        score : float
            The overall score (greater is better).
        """
        return float(np.mean(label_scores))

    def validate(self, n_labels):
        """Check the objective fits ``n_labels`` labels; raise ``ValueError`` if not.

        The default accepts any number of labels.

        Parameters
        ----------
        n_labels : int
            Number of labels of the problem being tuned.
        """

    def with_zero_division(self, zero_division):
        """A copy of the objective with ``zero_division`` set.

        Parameters
        ----------
        zero_division : float
            Value of a 0/0 score (0 as scikit-learn's metrics, 1 as MULAN's).

        Returns
        -------
        objective : Objective
            A shallow copy; ``self`` is left unchanged.
        """
        objective = copy.copy(self)
        objective.zero_division = float(zero_division)
        return objective


class GlobalObjective(Objective):
    """Base class of objectives that couple the labels.

    Such a score is not a sum of per-label scores, so
    :func:`~sklearn_multilabel_nn.tune_thresholds` starts every label at the
    optimum of :attr:`label_objective` and improves the thresholds by coordinate
    ascent, which counts the coupled score incrementally. Only the two built-in
    families can be tuned: :class:`MicroMacroF1` (``"f1_micro"``,
    ``"f1_micro_macro"``) and :class:`SampleAverage` (``"f1_samples"``,
    ``"jaccard_samples"``).

    Attributes
    ----------
    is_global : bool
        True.
    label_objective : Objective
        The per-label objective of the start and of the reported per-label
        scores (:meth:`label_scores` delegates to it).
    """

    is_global = True
    monotone = True

    @property
    def label_objective(self):
        raise NotImplementedError

    def label_scores(self, tp, fp, fn, tn, labels):
        """Each label's own score under :attr:`label_objective`."""
        return self.label_objective.label_scores(tp, fp, fn, tn, labels)

    def score(self, Y_true, Y_pred):
        """The global score of a decision matrix.

        Parameters
        ----------
        Y_true, Y_pred : ndarray of bool of shape (n_samples, n_labels)

        Returns
        -------
        score : float
        """
        raise NotImplementedError


class FBetaScore(Objective):
    """Per-label F-beta score; maximising it per label maximises macro F-beta.

    Parameters
    ----------
    beta : float, default=1.0
        Weight of recall relative to precision (``beta > 1`` favours recall).

    Examples
    --------
    >>> from sklearn_multilabel_nn import tune_thresholds
    >>> Y = np.array([[1], [0], [1]])
    >>> proba = np.array([[0.9], [0.6], [0.4]])
    >>> tune_thresholds(Y, proba, FBetaScore(2.0), min_positives=1).thresholds
    array([0.2])
    """

    monotone = True

    def __init__(self, beta=1.0):
        if not (isinstance(beta, Real) and beta > 0 and np.isfinite(beta)):
            raise ValueError(f"beta must be a positive finite number; got {beta!r}.")
        self.beta = float(beta)

    def label_scores(self, tp, fp, fn, tn, labels):
        """F-beta of each label (see :meth:`Objective.label_scores`)."""
        b2 = self.beta**2
        return _safe_div(
            (1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, self.zero_division
        )

    def __repr__(self):
        return f"FBetaScore(beta={self.beta!r})"


class MisclassificationCost(Objective):
    """Per-label cost of errors; the score is minus the mean cost per sample.

    The cost of one sample is ``sum_j fp_cost[j] * FP_j + fn_cost[j] * FN_j`` over
    the labels, so the per-label optimum is the global optimum. With unit costs
    the score is ``-n_labels * hamming_loss``.

    Parameters
    ----------
    fp_cost : float or array-like of shape (n_labels,), default=1.0
        Cost of predicting a label that is absent (a false positive).
    fn_cost : float or array-like of shape (n_labels,), default=1.0
        Cost of missing a label that is present (a false negative).

    Examples
    --------
    >>> from sklearn_multilabel_nn import tune_thresholds
    >>> Y = np.array([[1], [0], [1], [0]])
    >>> proba = np.array([[0.9], [0.6], [0.4], [0.1]])
    >>> res = tune_thresholds(Y, proba, MisclassificationCost(1.0, 5.0),
    ...                       min_positives=1)
    >>> res.thresholds, res.score
    (array([0.25]), -0.25)
    """

    monotone = True

    def __init__(self, fp_cost=1.0, fn_cost=1.0):
        self.fp_cost = fp_cost
        self.fn_cost = fn_cost
        for name, value in (("fp_cost", fp_cost), ("fn_cost", fn_cost)):
            arr = np.asarray(value, dtype=float)
            if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(
                    f"{name} must be a non-negative float or a 1-D array of them "
                    f"(one per label); got {value!r}."
                )

    def validate(self, n_labels):
        """Check that per-label costs have one value per label."""
        for name in ("fp_cost", "fn_cost"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.ndim == 1 and arr.shape[0] != n_labels:
                raise ValueError(
                    f"{name} has {arr.shape[0]} values but there are {n_labels} labels."
                )

    def label_scores(self, tp, fp, fn, tn, labels):
        """Minus the mean cost per sample of each label."""
        costs = []
        for name in ("fp_cost", "fn_cost"):
            arr = np.asarray(getattr(self, name), dtype=float)
            costs.append(_rows(arr[labels], tp) if arr.ndim else arr)
        n = tp + fp + fn + tn
        return -_safe_div(costs[0] * fp + costs[1] * fn, n)

    def aggregate(self, label_scores):
        """The sum over labels: minus the mean cost per sample."""
        return float(np.sum(label_scores))

    def __repr__(self):
        return (
            f"MisclassificationCost(fp_cost={self.fp_cost!r}, fn_cost={self.fn_cost!r})"
        )


class CountObjective(Objective):
    """Wrap a function of one label's confusion counts as a per-label objective.

    Parameters
    ----------
    func : callable
        ``func(tp, fp, fn, tn) -> score``, applied element-wise to integer arrays
        of equal shape and returning a float array of that shape; greater is
        better. It must not depend on which label it is given. Plain callables
        passed as ``scoring`` are wrapped in this class.
    aggregate : {"mean", "sum"}, default="mean"
        How per-label scores combine into the overall score (stored as
        ``aggregation``; :meth:`aggregate` applies it).
    monotone : bool, default=False
        Declare that the score never rises with fp when tp is fixed (true of
        F-beta, Jaccard, costs). The search then only scores the cuts at the
        top of runs of equal scores holding a positive, which is faster and
        gives the same optimum; leave False if unsure.

    Examples
    --------
    >>> from sklearn_multilabel_nn import tune_thresholds
    >>> youden = CountObjective(lambda tp, fp, fn, tn: tp / (tp + fn) - fp / (fp + tn))
    >>> Y = np.array([[1], [0], [1], [0]])
    >>> tune_thresholds(Y, np.array([[0.9], [0.6], [0.4], [0.1]]), youden,
    ...                 min_positives=1).label_scores
    array([0.5])
    """

    def __init__(self, func, *, aggregate="mean", monotone=False):
        if not callable(func):
            raise ValueError(f"func must be callable; got {func!r}.")
        if aggregate not in ("mean", "sum"):
            raise ValueError(f"aggregate must be 'mean' or 'sum'; got {aggregate!r}.")
        self.func = func
        self.aggregation = aggregate
        self.monotone = bool(monotone)

    def label_scores(self, tp, fp, fn, tn, labels):
        """``func(tp, fp, fn, tn)``, with NaN (e.g. 0/0) turned into ``-inf``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(self.func(tp, fp, fn, tn), dtype=float)
        return np.where(np.isnan(out), -np.inf, out)

    def aggregate(self, label_scores):
        """The mean or the sum of the per-label scores (``aggregate``)."""
        if self.aggregation == "sum":
            return float(np.sum(label_scores))
        return float(np.mean(label_scores))

    def __repr__(self):
        return f"CountObjective({self.func!r}, aggregate={self.aggregation!r})"


class _Jaccard(Objective):
    monotone = True

    def label_scores(self, tp, fp, fn, tn, labels):
        return _safe_div(tp, tp + fp + fn, self.zero_division)


class _NegHamming(Objective):
    monotone = True

    def label_scores(self, tp, fp, fn, tn, labels):
        return -_safe_div(fp + fn, tp + fp + fn + tn)


class MicroMacroF1(GlobalObjective):
    """``(1 - macro_weight) * micro-F1 + macro_weight * macro-F1``.

    ``"f1_micro"`` is ``MicroMacroF1(0.0)``; ``"f1_micro_macro"`` is
    ``MicroMacroF1(0.5)``. Tuned by coordinate ascent on pooled and per-label
    counts; the start and the per-label scores use F1.

    Parameters
    ----------
    macro_weight : float, default=0.0
        Weight of macro-F1, in [0, 1].
    """

    def __init__(self, macro_weight=0.0):
        if not (isinstance(macro_weight, Real) and 0 <= macro_weight <= 1):
            raise ValueError(f"macro_weight must be in [0, 1]; got {macro_weight!r}.")
        self.macro_weight = float(macro_weight)

    @property
    def label_objective(self):
        return FBetaScore(1.0).with_zero_division(self.zero_division)

    def blend(self, tp, pred, true, f1_rest, tp_j, pred_j, true_j, n_labels):
        """The score from counts, for candidate cuts of one label ``j``.

        Parameters
        ----------
        tp, pred, true : int or ndarray
            Pooled true-positive, predicted and true counts over all labels.
        f1_rest : float
            The other labels' F1, summed (unused when ``macro_weight`` is 0).
        tp_j, pred_j, true_j : int or ndarray
            Label ``j``'s own counts.
        n_labels : int

        Returns
        -------
        scores : ndarray of float
        """
        w = self.macro_weight
        micro = self.label_f1(tp, pred, true)  # F1 of the pooled counts
        if not w:
            return micro
        macro = (f1_rest + self.label_f1(tp_j, pred_j, true_j)) / n_labels
        return (1 - w) * micro + w * macro

    def label_f1(self, tp, pred, true):
        """F1 from true-positive, predicted and true counts: ``2 tp / (pred + true)``.

        Parameters
        ----------
        tp, pred, true : int or ndarray of int

        Returns
        -------
        f1 : ndarray of float
        """
        return _safe_div(2 * tp, pred + true, self.zero_division)

    def score(self, Y_true, Y_pred):
        """Micro-F1, blended with macro-F1 (see :meth:`GlobalObjective.score`)."""
        w = self.macro_weight
        tp = np.sum(Y_pred & Y_true, axis=0)
        micro = float(self.label_f1(np.sum(tp), np.sum(Y_pred), np.sum(Y_true)))
        if not w:
            return micro
        f1 = self.label_f1(tp, np.sum(Y_pred, axis=0), np.sum(Y_true, axis=0))
        return (1 - w) * micro + w * float(np.mean(f1))

    def __repr__(self):
        return f"MicroMacroF1(macro_weight={self.macro_weight!r})"


class SampleAverage(GlobalObjective):
    """Per-sample F1 or Jaccard, averaged over samples (``"f1_samples"``,
    ``"jaccard_samples"``).

    Tuned by coordinate ascent on per-sample counts; the start and the
    per-label scores use the same metric per label.

    Parameters
    ----------
    metric : {"f1", "jaccard"}, default="f1"
    """

    def __init__(self, metric="f1"):
        if metric not in ("f1", "jaccard"):
            raise ValueError(f"metric must be 'f1' or 'jaccard'; got {metric!r}.")
        self.metric = metric

    @property
    def label_objective(self):
        label = FBetaScore(1.0) if self.metric == "f1" else _Jaccard()
        return label.with_zero_division(self.zero_division)

    def sample_scores(self, correct, true, pred):
        """Per-sample score from correct, true and predicted label counts.

        Parameters
        ----------
        correct, true, pred : ndarray of int of shape (n_samples,)

        Returns
        -------
        scores : ndarray of float of shape (n_samples,)
        """
        zd = self.zero_division
        if self.metric == "f1":
            return _safe_div(2 * correct, true + pred, zd)
        return _safe_div(correct, true + pred - correct, zd)

    def score(self, Y_true, Y_pred):
        """The mean per-sample score (see :meth:`GlobalObjective.score`)."""
        c = np.sum(Y_pred & Y_true, axis=1)
        t, p = np.sum(Y_true, axis=1), np.sum(Y_pred, axis=1)
        return float(np.mean(self.sample_scores(c, t, p)))

    def __repr__(self):
        return f"SampleAverage(metric={self.metric!r})"


_NAMED = {
    "f1": FBetaScore(1.0),
    "f1_macro": FBetaScore(1.0),
    "jaccard": _Jaccard(),
    "jaccard_macro": _Jaccard(),
    "neg_hamming_loss": _NegHamming(),
    "f1_micro": MicroMacroF1(0.0),
    "f1_micro_macro": MicroMacroF1(0.5),
    "f1_samples": SampleAverage("f1"),
    "jaccard_samples": SampleAverage("jaccard"),
}

#: Valid strings for ``scoring`` (for ``StrOptions`` in ``_parameter_constraints``).
#: ``"f1"``/``"f1_macro"`` and ``"jaccard"``/``"jaccard_macro"`` are per-label and
#: solved exactly (each label's optimum maximises the macro average), as is
#: ``"neg_hamming_loss"``. ``"f1_micro"``, ``"f1_micro_macro"`` (the mean of
#: micro- and macro-F1), ``"f1_samples"`` and ``"jaccard_samples"`` couple the
#: labels and are improved by coordinate ascent. The names shared with
#: scikit-learn's scorers mean the same metric, except ``"f1"`` and
#: ``"jaccard"`` (binary there); the user guide's thresholds page has the table.
THRESHOLD_SCORINGS = frozenset(_NAMED)


def as_objective(scoring, zero_division=0):
    """The :class:`Objective` for ``scoring``, with ``zero_division`` set.

    Parameters
    ----------
    scoring : str, Objective or callable
        A name in :data:`THRESHOLD_SCORINGS`, an :class:`Objective` (such as
        :class:`FBetaScore`), or a callable ``func(tp, fp, fn, tn)`` (wrapped in
        :class:`CountObjective`).
    zero_division : {0, 1}, default=0
        The value a 0/0 score takes.

    Returns
    -------
    objective : Objective
        A copy; the argument is left unchanged.

    Examples
    --------
    >>> as_objective("f1_samples").is_global
    True
    >>> as_objective("f1", zero_division=1).zero_division
    1.0
    """
    if zero_division not in (0, 1):
        raise ValueError(f"zero_division must be 0 or 1; got {zero_division!r}.")
    return _lookup_scoring(scoring).with_zero_division(zero_division)


#: scikit-learn scorer names that are no threshold objective here, and what
#: to use instead (the table in the user guide's thresholds page says why).
_SCORER_HINTS = {
    "f1_weighted": "'f1' gives each label its best F1, which also maximises "
    "f1_weighted",
    "jaccard_weighted": "'jaccard' gives each label its best Jaccard, which "
    "also maximises jaccard_weighted",
    "jaccard_micro": "'f1_micro' gives the same thresholds (micro-Jaccard is "
    "F / (2 - F) of micro-F1)",
    "precision": "precision or recall alone is maximised by an extreme "
    "threshold; weigh them with FBetaScore(beta)",
    "accuracy": "subset accuracy couples the labels and cannot be tuned here; "
    "'f1_samples' or 'jaccard_samples' reward whole rows",
}


def _unknown_name(scoring):
    """The error for an unknown name, with a hint for scikit-learn's names."""
    if scoring.split("_")[0] in ("precision", "recall"):  # any average
        hint = _SCORER_HINTS["precision"]
    else:
        hint = _SCORER_HINTS.get(scoring)
    message = (
        f"Unknown scoring {scoring!r}; choose one of "
        f"{sorted(THRESHOLD_SCORINGS)}, an FBetaScore / MisclassificationCost "
        "object, or a callable func(tp, fp, fn, tn)."
    )
    if hint is not None:
        message += (
            f" {scoring!r} is a scikit-learn scorer name but no threshold "
            f"objective: {hint}."
        )
    return ValueError(message)


def _lookup_scoring(scoring):
    if isinstance(scoring, str):
        if scoring in _NAMED:
            return _NAMED[scoring]
        raise _unknown_name(scoring)
    if isinstance(scoring, Objective):
        return scoring
    if callable(scoring):
        return CountObjective(scoring)
    raise ValueError(
        f"scoring must be a string, an Objective (such as FBetaScore, "
        f"MisclassificationCost or CountObjective) or a callable; got {scoring!r}."
    )


def _complete_protocol_docs():
    """Give every override of a protocol method the Parameters and Returns
    sections of :class:`Objective`'s (each override keeps its own summary)."""
    import inspect

    for cls in [c for c in list(globals().values()) if inspect.isclass(c)]:
        if not issubclass(cls, Objective) or cls is Objective:
            continue
        for name in ("label_scores", "aggregate", "validate"):
            method = cls.__dict__.get(name)
            if method is None or "Parameters" in (method.__doc__ or ""):
                continue
            base = inspect.cleandoc(getattr(Objective, name).__doc__)
            sections = base[base.index("Parameters") :]
            summary = inspect.cleandoc(method.__doc__ or base.splitlines()[0])
            method.__doc__ = f"{summary}\n\n{sections}"


_complete_protocol_docs()
