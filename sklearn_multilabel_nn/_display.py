"""Score against decision threshold for each label, as a scikit-learn Display.

matplotlib is an optional dependency (the ``plot`` extra), imported only when a
plot is drawn.
"""

import numpy as np

from ._objectives import as_objective
from ._thresholds import (
    check_Y_proba,
    resolve_thresholds,
    score_thresholds,
    threshold_curves,
    tune_thresholds,
)


def _pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{caller} requires matplotlib; install it with `pip install matplotlib` "
            "or `pip install sklearn-multilabel-nn[plot]`."
        ) from exc
    return plt


class ThresholdCurveDisplay:
    """Score against threshold for each label, with the chosen thresholds marked.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`; they
    compute the curves (every distinct cut point, see :func:`threshold_curves`)
    and call :meth:`plot`.

    Parameters
    ----------
    thresholds : list of ndarray
        Increasing thresholds of each plotted label.
    scores : list of ndarray
        Score at each of those thresholds.
    chosen_thresholds : ndarray of shape (n_plotted,)
        The threshold in use for each plotted label.
    chosen_scores : ndarray of shape (n_plotted,)
        The score at ``chosen_thresholds``.
    label_names : list of str
        Legend entry of each plotted label.
    score_name : str, default="score"
        Y-axis label.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of matplotlib Line2D
        One curve per label.
    markers_ : list of matplotlib Line2D
        One marker per label at its chosen threshold.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> proba = np.array([[0.9, 0.2], [0.3, 0.6], [0.6, 0.7], [0.1, 0.4]])
    >>> disp = ThresholdCurveDisplay.from_predictions(Y, proba, min_positives=1)
    >>> len(disp.lines_)
    2
    """

    def __init__(
        self,
        *,
        thresholds,
        scores,
        chosen_thresholds,
        chosen_scores,
        label_names,
        score_name="score",
    ):
        self.thresholds = thresholds
        self.scores = scores
        self.chosen_thresholds = chosen_thresholds
        self.chosen_scores = chosen_scores
        self.label_names = label_names
        self.score_name = score_name

    def plot(self, ax=None, *, show_chosen=True, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        show_chosen : bool, default=True
            Mark each label's chosen threshold.
        **kwargs : dict
            Passed to ``ax.plot`` for the curves.

        Returns
        -------
        display : ThresholdCurveDisplay
            ``self``, with ``ax_``, ``figure_``, ``lines_`` and ``markers_`` set.
        """
        plt = _pyplot("ThresholdCurveDisplay.plot")
        if ax is None:
            _, ax = plt.subplots()
        self.lines_, self.markers_ = [], []
        for t, s, name, ct, cs in zip(
            self.thresholds,
            self.scores,
            self.label_names,
            self.chosen_thresholds,
            self.chosen_scores,
            strict=True,
        ):
            (line,) = ax.plot(t, s, label=f"{name} (t={ct:.2f})", **kwargs)
            self.lines_.append(line)
            if show_chosen:
                (marker,) = ax.plot([ct], [cs], "o", color=line.get_color())
                self.markers_.append(marker)
        ax.set_xlabel("Decision threshold")
        ax.set_ylabel(self.score_name)
        ax.set_xlim(0, 1)
        ax.legend(loc="best", fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(
        cls,
        Y_true,
        y_proba,
        *,
        scoring="f1",
        thresholds=None,
        labels=None,
        label_names=None,
        min_positives=5,
        default_threshold=0.5,
        zero_division=0,
        ax=None,
        **kwargs,
    ):
        """Plot from true labels and scores.

        Parameters
        ----------
        Y_true : array-like of shape (n_samples, n_labels)
            Binary label-indicator matrix.
        y_proba : array-like of shape (n_samples, n_labels) or list of array-like
            Scores in [0, 1], or scikit-learn's multi-output ``predict_proba``
            forms, as for :func:`tune_thresholds`: a list of
            ``(n_samples, 2)`` arrays, one per label (as
            ``cross_val_predict(..., method="predict_proba")`` gives them), or
            their stacked ``(n_labels, n_samples, 2)`` form.
        scoring : str, objective or callable, default="f1"
            As for :func:`tune_thresholds`.
        thresholds : float or array-like of shape (n_labels,), default=None
            Thresholds to mark; when None they are tuned on these data with
            ``min_positives`` and ``default_threshold``.
        labels : array-like of int, default=None
            Indices of the labels to plot (all when None).
        label_names : list of str, default=None
            Names of the plotted labels (``"label <index>"`` when None).
        min_positives : int, default=5
            As for :func:`tune_thresholds` (used when ``thresholds`` is None).
        default_threshold : float, default=0.5
            As for :func:`tune_thresholds` (used when ``thresholds`` is None).
        zero_division : {0, 1}, default=0
            As for :func:`tune_thresholds`.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, with the curves drawn.
        """
        _pyplot("ThresholdCurveDisplay.from_predictions")
        Y, P = check_Y_proba(Y_true, y_proba)
        n_labels = P.shape[1]
        if thresholds is None:
            thresholds = tune_thresholds(
                Y,
                P,
                scoring,
                min_positives=min_positives,
                default_threshold=default_threshold,
                zero_division=zero_division,
            ).thresholds
        thresholds = resolve_thresholds(thresholds, n_labels)
        labels = np.arange(n_labels) if labels is None else np.asarray(labels, int)
        ts, ss = threshold_curves(
            Y,
            P,
            scoring,
            thresholds=thresholds,
            labels=labels,
            zero_division=zero_division,
        )
        objective = as_objective(scoring, zero_division)
        label_scores, score = score_thresholds(
            Y, P, thresholds, objective, zero_division=zero_division
        )
        if objective.is_global:
            chosen = np.full(labels.shape, score)
        else:
            chosen = label_scores[labels]
        if label_names is None:
            label_names = [f"label {j}" for j in labels]
        elif len(label_names) != len(labels):
            raise ValueError(
                f"label_names has {len(label_names)} names for {len(labels)} labels."
            )
        name = scoring if isinstance(scoring, str) else repr(objective)
        disp = cls(
            thresholds=ts,
            scores=ss,
            chosen_thresholds=thresholds[labels],
            chosen_scores=chosen,
            label_names=list(label_names),
            score_name=name,
        )
        return disp.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        Y,
        *,
        scoring=None,
        thresholds=None,
        labels=None,
        label_names=None,
        ax=None,
        **kwargs,
    ):
        """Plot from a fitted multi-label classifier and labelled data.

        The marked thresholds are, in order: ``thresholds`` if given, the
        estimator's ``best_thresholds_`` (a fitted
        :class:`TunedThresholdMultiLabelClassifierCV`) or ``thresholds_``, its
        ``threshold``
        parameter (e.g. ``MultiLabelNNClassifier``), else thresholds tuned on
        ``X, Y``.

        Parameters
        ----------
        estimator : fitted classifier with ``predict_proba``
            The classifier whose probabilities are scored.
        X : array-like of shape (n_samples, n_features)
            Input data.
        Y : array-like of shape (n_samples, n_labels)
            Binary label-indicator matrix.
        scoring : str, objective or callable, default=None
            The estimator's ``scoring`` (or ``threshold_scoring``) when it has
            one, else ``"f1"``.
        thresholds : array-like of shape (n_labels,), default=None
            Thresholds to mark; the estimator's ``best_thresholds_`` or
            ``thresholds_`` (what its ``predict`` applies) when None.
        labels : array-like of int, default=None
            Indices of the labels to plot (all when None).
        label_names : list of str, default=None
            Names of the plotted labels (``"label <index>"`` when None).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, with the curves drawn.
        """
        from ._tuning import positive_proba

        _pyplot("ThresholdCurveDisplay.from_estimator")
        proba = positive_proba(estimator, X)
        if scoring is None:
            scoring = getattr(
                estimator, "scoring", getattr(estimator, "threshold_scoring", "f1")
            )
        for attr in ("best_thresholds_", "thresholds_"):
            if thresholds is None:
                thresholds = getattr(estimator, attr, None)
        if thresholds is None:
            t = getattr(estimator, "threshold", None)
            if t is not None and not isinstance(t, str):
                thresholds = t
        return cls.from_predictions(
            Y,
            proba,
            scoring=scoring,
            thresholds=thresholds,
            labels=labels,
            label_names=label_names,
            ax=ax,
            **kwargs,
        )
