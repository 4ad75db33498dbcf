"""Per-label decision thresholds tuned by cross-validation for any multi-label
classifier with ``predict_proba`` (no Keras here).

A thin face on the out-of-fold threshold core (``_threshold_cv``), which
``MultiLabelNNClassifier(threshold="auto")`` shares: the same fold plan, the
same options and the same default objective. Data pass through to the inner
estimator untouched (``indexable``), and fit parameters reach it through
scikit-learn's metadata routing.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    MultiOutputMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, check_random_state, get_tags, indexable
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    check_is_fitted,
)

from ._objectives import THRESHOLD_SCORINGS, Objective
from ._targets import TargetEncoder
from ._threshold_cv import (
    DEFAULT_SCORING,
    ThresholdSearch,
    held_out_rows,
    plan_folds,
    pool_scores,
)
from ._thresholds import decode, label_proba, score_thresholds, threshold_curves
from ._validation import check_rectangular


def positive_proba(estimator, X, *, pos_label=None):
    """Probability of each label being present, as an (n_samples, n_labels) array.

    Accepts the two shapes scikit-learn classifiers use for multi-label
    ``predict_proba``: a list with one (n_samples, n_classes) array per label
    (RandomForestClassifier, KNeighborsClassifier, MultiOutputClassifier), where
    the column of class 1 is taken (all zeros or all ones when a label was
    constant in training), or one (n_samples, n_labels) array (MLPClassifier,
    OneVsRestClassifier, MultiLabelNNClassifier). With ``pos_label`` set, the
    estimator is binary and the column of ``pos_label`` is returned as one label.
    The list is read by ``label_proba`` (``_thresholds``) with the estimator's
    ``classes_``, as the threshold functions read it.

    Parameters
    ----------
    estimator : fitted classifier with ``predict_proba``
    X : array-like of shape (n_samples, n_features)
    pos_label : object, default=None
        Positive class of a binary (1-D target) estimator.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_labels)
        Clipped to [0, 1]; float32 when the estimator gives float32 (a Keras
        network), float64 otherwise.
    """
    proba = estimator.predict_proba(X)
    if pos_label is not None:
        proba = label_proba([proba], [estimator.classes_], pos_label=pos_label)
    elif isinstance(proba, list):
        proba = label_proba(proba, estimator.classes_)
    proba = np.asarray(proba)
    if proba.dtype not in (np.float32, np.float64):
        proba = proba.astype(np.float64)
    if proba.ndim != 2:
        raise ValueError(
            f"predict_proba of {type(estimator).__name__} returned shape "
            f"{proba.shape}; expected (n_samples, n_labels) or a list of "
            "(n_samples, n_classes) arrays."
        )
    # float32 stays float32 (the threshold search sorts it twice as fast), and
    # a copy is made only when something needs clipping.
    if proba.size and not (proba.min() >= 0 and proba.max() <= 1):
        proba = np.clip(proba, 0.0, 1.0)
    return proba


def _fit_and_proba(estimator, X, y, train, test, pos_label, fit_params):
    X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
    params = _check_method_params(X, fit_params, train)
    estimator.fit(X_train, _safe_indexing(y, train), **params)
    return estimator, positive_proba(estimator, X_test, pos_label=pos_label)


class TunedThresholdMultiLabelClassifierCV(
    MultiOutputMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
    """Tune one decision threshold per label of a multi-label classifier.

    The multi-label counterpart of scikit-learn's binary-only
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV`: out-of-fold
    ``predict_proba`` over ``cv`` folds (iteratively stratified, Sechidis et al.
    2011, so rare labels reach every fold), an exact per-label search of the
    thresholds (coordinate ascent for micro/sample-averaged objectives, see
    :func:`tune_thresholds`), then a refit of ``estimator`` on all the data.
    Works with any classifier whose ``predict_proba`` returns an
    (n_samples, n_labels) array or a list of per-label (n_samples, 2) arrays.
    ``MultiLabelNNClassifier(threshold="auto")`` tunes its thresholds with the
    same core and the same defaults.

    Parameters
    ----------
    estimator : estimator instance
        Classifier with ``fit`` and ``predict_proba``; cloned unless
        ``cv="prefit"``. It receives ``X`` as given (a DataFrame stays one) and
        a 0/1 indicator matrix of the labels (a 1-D binary ``y`` as given).
    scoring : str, Objective or callable, default="f1_micro_macro"
        Objective to maximise: a name in :data:`THRESHOLD_SCORINGS`
        (``"f1_micro_macro"``, the mean of micro- and macro-F1; ``"f1"``
        maximises macro-F1; ...), an :class:`Objective` such as
        :class:`FBetaScore`, or ``func(tp, fp, fn, tn)``.
    cv : int, float, "prefit", cross-validation generator or iterable, default=5
        An int gives :class:`IterativeStratifiedKFold`; a float in (0, 1) one
        stratified train/test split with that test fraction; ``"prefit"`` tunes
        the already fitted ``estimator`` on the data passed to ``fit`` and does
        not refit it; other splitters are used as given.
    cv_repeats : int, default=1
        With an int ``cv``, draw the folds this many times with different
        partitions; thresholds are tuned on each repeat's out-of-fold
        predictions and averaged (``cv * cv_repeats`` fits).
    bootstrap : int, default=0
        Bagged tuning: thresholds are tuned on this many bootstrap resamples
        of the out-of-fold predictions and averaged (the rare-label rule is
        decided on the predictions themselves). ``0`` tunes once, which keeps
        large problems fast; ``MultiLabelNNClassifier`` uses 20, which is cheap
        next to training networks.
    refit : bool, default=True
        Refit ``estimator`` on all the data after tuning. ``False`` keeps the
        estimator fitted on the train part and needs a single split (float
        ``cv``).
    min_labels : int, default=0
        Least labels predicted per sample (``1``: never an empty set).
    max_labels : int, default=None
        Most labels predicted per sample.
    min_positives : int, default=5
        Labels with fewer positive (or negative) samples keep
        ``default_threshold`` instead of a threshold fitted to a handful.
    default_threshold : float, default=0.5
        Threshold for labels that are not tuned.
    zero_division : {0, 1}, default=0
        Value of a 0/0 score (a label, or a sample for sample-averaged
        objectives, with no true and no predicted positive), see
        :func:`tune_thresholds`.
    store_cv_results : bool, default=False
        Store each label's score-versus-threshold curve in ``cv_results_``.
    random_state : int, RandomState instance or None, default=None
        Shuffling of the internal stratified splits.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib), and threads for the search.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted classifier used by ``predict``.
    best_thresholds_ : ndarray of shape (n_labels,)
        Tuned threshold per label.
    best_scores_ : ndarray of shape (n_labels,)
        Out-of-fold score of each label at its threshold (for global objectives
        each label's own F1, or Jaccard for ``"jaccard_samples"``).
    best_score_ : float
        Out-of-fold overall score at ``best_thresholds_`` (the mean over the
        repeats with ``cv_repeats > 1``).
    tuned_labels_ : ndarray of bool, shape (n_labels,)
        False for labels that kept ``default_threshold`` (rare-label rule).
    cv_results_ : dict or None
        With ``store_cv_results=True``, ``{"thresholds": [...], "scores": [...]}``:
        one array per label (score against every distinct threshold, on the
        first repeat's out-of-fold predictions).
    classes_ : ndarray
        The labels (``arange(n_labels)`` for an indicator matrix, the column
        names of a DataFrame, the labels found in label sets), or the two
        class labels for a binary 1-D target.
    n_features_in_ : int
        Number of features seen by ``estimator_`` in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when ``estimator_`` defines it.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : binary version.
    tune_thresholds : the search on given labels and scores.

    Notes
    -----
    ``fit`` takes further parameters (e.g. ``sample_weight``) through
    scikit-learn's metadata routing: enable it with
    ``sklearn.set_config(enable_metadata_routing=True)`` and request them on
    the inner estimator, e.g. ``estimator.set_fit_request(sample_weight=True)``.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> X, Y = make_multilabel_classification(n_samples=200, n_classes=4,
    ...                                       random_state=0)
    >>> clf = TunedThresholdMultiLabelClassifierCV(
    ...     RandomForestClassifier(n_estimators=20, random_state=0), cv=3,
    ...     random_state=0).fit(X, Y)
    >>> clf.best_thresholds_.shape, clf.predict(X).shape
    ((4,), (200, 4))
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "scoring": [StrOptions(set(THRESHOLD_SCORINGS)), Objective, callable],
        "cv": [
            "cv_object",
            StrOptions({"prefit"}),
            Interval(RealNotInt, 0.0, 1.0, closed="neither"),
        ],
        "cv_repeats": [Interval(Integral, 1, None, closed="left")],
        "bootstrap": [Interval(Integral, 0, None, closed="left")],
        "refit": ["boolean"],
        "min_labels": [Interval(Integral, 0, None, closed="left")],
        "max_labels": [Interval(Integral, 1, None, closed="left"), None],
        "min_positives": [Interval(Integral, 0, None, closed="left")],
        "default_threshold": [Interval(Real, 0, 1, closed="both")],
        "zero_division": [Options(Real, {0, 1})],
        "store_cv_results": ["boolean"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimator,
        *,
        scoring=DEFAULT_SCORING,
        cv=5,
        cv_repeats=1,
        bootstrap=0,
        refit=True,
        min_labels=0,
        max_labels=None,
        min_positives=5,
        default_threshold=0.5,
        zero_division=0,
        store_cv_results=False,
        random_state=None,
        n_jobs=None,
    ):
        self.estimator = estimator
        self.scoring = scoring
        self.cv = cv
        self.cv_repeats = cv_repeats
        self.bootstrap = bootstrap
        self.refit = refit
        self.min_labels = min_labels
        self.max_labels = max_labels
        self.min_positives = min_positives
        self.default_threshold = default_threshold
        self.zero_division = zero_division
        self.store_cv_results = store_cv_results
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _encode_target(self, y):
        """The target for the inner estimator and the 0/1 label matrix."""
        encoder = TargetEncoder()
        Y = encoder.fit_transform(y)
        if Y.shape[0] == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={Y.shape}) while a minimum "
                "of 1 is required."
            )
        if encoder.kind == "multiclass":
            raise ValueError(
                "Only binary classification is supported for a 1-D target; for "
                "multi-label data pass a binary label-indicator matrix "
                "(n_samples, n_labels) or label sets. The type of the target "
                "is multiclass."
            )
        if encoder.kind == "binary" and len(encoder.classes_) < 2:
            raise ValueError(
                "Only binary classification is supported, and y has only 1 class "
                f"({encoder.classes_[0]!r}); at least 2 classes are needed."
            )
        self._target_encoder = encoder
        self.classes_ = encoder.classes_
        if encoder.kind == "binary":
            self._pos_label = self.classes_[1]
            return np.asarray(y).ravel(), Y
        self._pos_label = None
        # The inner estimator is fitted on int labels; a prefit one needs none
        # (at 100,000 x 1,000 the copy alone took a third of a second).
        return (None if self.cv == "prefit" else Y.astype(int)), Y

    def _search(self):
        return ThresholdSearch(
            scoring=self.scoring,
            min_positives=self.min_positives,
            default_threshold=self.default_threshold,
            zero_division=self.zero_division,
            bootstrap=self.bootstrap,
            n_jobs=self.n_jobs,
        )

    @_fit_context(
        # estimator is validated when it is fitted
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, **params):
        """Tune the thresholds (and refit the estimator unless ``cv="prefit"``).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training data, passed to ``estimator`` as given.
        y : array-like, sparse matrix, DataFrame or list of label sets
            Binary label-indicator matrix (any form), label sets, or a binary
            1-D target.
        **params : dict
            Parameters routed to the estimator's ``fit`` and the splitter's
            ``split`` (metadata routing must be enabled).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        check_rectangular(X)
        X, y = indexable(X, y)
        routed = process_routing(self, "fit", **params)
        y_fit, Y = self._encode_target(y)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        if self.cv == "prefit":
            check_is_fitted(self.estimator)
            self.estimator_ = self.estimator
            pooled = [positive_proba(self.estimator_, X, pos_label=self._pos_label)]
        else:
            pooled = self._out_of_fold(X, y_fit, Y, seed, routed)
        thresholds, results = self._search().tune(Y, pooled, seed)
        self._record(Y, pooled, thresholds, results)
        return self

    def _out_of_fold(self, X, y_fit, Y, seed, routed):
        splitter = routed.get("splitter", None)  # only a user's splitter routes
        groups = None if splitter is None else splitter.split.get("groups")
        folds = plan_folds(
            Y, self.cv, n_repeats=self.cv_repeats, seed=seed, X=X, y=y_fit,
            groups=groups,
        )  # fmt: skip
        if not self.refit and len(folds) > 1:
            raise ValueError(
                "refit=False needs a single train/test split (a float cv); "
                f"got {len(folds)} splits."
            )
        fit_params = routed.estimator.fit
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_proba)(
                clone(self.estimator),
                X,
                y_fit,
                fold.train,
                fold.test,
                self._pos_label,
                fit_params,
            )  # fmt: skip
            for fold in folds
        )
        if self.refit:
            self.estimator_ = clone(self.estimator).fit(X, y_fit, **fit_params)
        else:
            self.estimator_ = fitted[0][0]
        return pool_scores(folds, [proba for _, proba in fitted], Y.shape)

    def _record(self, Y, pooled, thresholds, results):
        """The fitted attributes from the tuning of every repeat."""
        self.best_thresholds_ = thresholds
        self.tuned_labels_ = results[0].tuned
        held_out = list(held_out_rows(Y, pooled))
        if len(results) == 1 and not self.bootstrap:
            self.best_scores_ = results[0].label_scores
            self.best_score_ = results[0].score
        else:
            scored = [
                score_thresholds(
                    Y_seen,
                    p,
                    thresholds,
                    self.scoring,
                    zero_division=self.zero_division,
                )  # fmt: skip
                for Y_seen, p in held_out
            ]
            self.best_scores_ = np.mean([s for s, _ in scored], axis=0)
            self.best_score_ = float(np.mean([score for _, score in scored]))
        self.cv_results_ = None
        if self.store_cv_results:
            Y_seen, p = held_out[0]
            ts, ss = threshold_curves(
                Y_seen, p, self.scoring, thresholds=thresholds,
                zero_division=self.zero_division,
            )  # fmt: skip
            self.cv_results_ = {"thresholds": ts, "scores": ss}

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Where ``fit``'s parameters go: the estimator's ``fit`` and the
            splitter's ``split``.
        """
        router = MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        if self.cv != "prefit" and not isinstance(self.cv, Real):
            router.add(
                splitter=check_cv(self.cv, classifier=True),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        return router

    @property
    def n_features_in_(self):
        """Number of features seen by ``estimator_`` in ``fit``."""
        try:
            check_is_fitted(self)
        except NotFittedError as exc:
            raise AttributeError(
                f"{type(self).__name__} has no n_features_in_ before fit."
            ) from exc
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Feature names seen by ``estimator_`` in ``fit``."""
        try:
            check_is_fitted(self)
        except NotFittedError as exc:
            raise AttributeError(
                f"{type(self).__name__} has no feature_names_in_ before fit."
            ) from exc
        return self.estimator_.feature_names_in_

    def _label_proba(self, X):
        check_is_fitted(self)
        check_rectangular(X)
        return positive_proba(self.estimator_, X, pos_label=self._pos_label)

    def predict_proba(self, X):
        """Probability of each label.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Input data, passed to ``estimator_`` as given.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_labels)
            For a binary 1-D target, shape (n_samples, 2) (the classes'
            probabilities, as in scikit-learn).
        """
        proba = self._label_proba(X)
        if self._pos_label is not None:
            return np.column_stack([1 - proba[:, 0], proba[:, 0]])
        return proba

    def predict(self, X):
        """Labels from the tuned thresholds, ``min_labels`` and ``max_labels``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Input data, passed to ``estimator_`` as given.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_labels), list or ndarray
            0/1 label indicator; label tuples when fitted on label sets; class
            labels for a binary 1-D target.
        """
        proba = self._label_proba(X)
        D = decode(
            proba,
            self.best_thresholds_,
            min_labels=self.min_labels,
            max_labels=self.max_labels,
        )
        return self._target_encoder.decode(D, proba)

    def score(self, X, y, sample_weight=None):
        """Subset accuracy of ``predict`` (every label of a sample right).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Test samples.
        y : array-like, sparse matrix, DataFrame or list of label sets
            True labels, in any form ``fit`` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        score : float
            Subset accuracy (plain accuracy for a binary 1-D target).
        """
        check_is_fitted(self)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, ensure_non_negative=True
            )
        proba = self._label_proba(X)
        D = decode(
            proba, self.best_thresholds_, min_labels=self.min_labels,
            max_labels=self.max_labels,
        )  # fmt: skip
        Y_true = self._target_encoder.transform(y)
        return float(accuracy_score(Y_true, D, sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.classifier_tags.multi_label = True
        tags.classifier_tags.multi_class = False
        return tags
