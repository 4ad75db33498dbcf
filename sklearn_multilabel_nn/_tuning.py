"""Per-label decision thresholds tuned by cross-validation for any multi-label
classifier with ``predict_proba`` (no Keras here)."""

from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    MultiOutputMixin,
    _fit_context,
    clone,
)
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._objectives import (
    THRESHOLD_SCORINGS,
    CountObjective,
    FBetaScore,
    MisclassificationCost,
)
from ._stratify import IterativeStratifiedKFold, iterative_train_test_split
from ._thresholds import (
    decode,
    threshold_curves,
    tune_thresholds,
)


def positive_proba(estimator, X, *, pos_label=None):
    """Probability of each label being present, as an (n_samples, n_labels) array.

    Accepts the two shapes scikit-learn classifiers use for multi-label
    ``predict_proba``: a list with one (n_samples, n_classes) array per label
    (RandomForestClassifier, KNeighborsClassifier, MultiOutputClassifier), where
    the column of class 1 is taken (all zeros or all ones when a label was
    constant in training), or one (n_samples, n_labels) array (MLPClassifier,
    OneVsRestClassifier, MultiLabelNNClassifier). With ``pos_label`` set, the
    estimator is binary and the column of ``pos_label`` is returned as one label.

    Parameters
    ----------
    estimator : fitted classifier with ``predict_proba``
    X : array-like of shape (n_samples, n_features)
    pos_label : object, default=None
        Positive class of a binary (1-D target) estimator.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_labels)
        Clipped to [0, 1].
    """
    proba = estimator.predict_proba(X)
    if pos_label is not None:
        proba = [np.asarray(proba)]
        classes = [estimator.classes_]
        positive = [pos_label]
    elif isinstance(proba, list):
        classes = estimator.classes_
        positive = [1] * len(proba)
    else:
        proba = np.asarray(proba, dtype=float)
        if proba.ndim != 2:
            raise ValueError(
                f"predict_proba of {type(estimator).__name__} returned shape "
                f"{proba.shape}; expected (n_samples, n_labels) or a list of "
                "(n_samples, n_classes) arrays."
            )
        return np.clip(proba, 0.0, 1.0)
    cols = []
    for p, c, pos in zip(proba, classes, positive, strict=True):
        p, c = np.asarray(p, dtype=float), np.asarray(c)
        hit = np.flatnonzero(c == pos)
        if hit.size:
            cols.append(p[:, hit[0]])
        else:  # the label never took ``pos`` in training
            cols.append(np.zeros(p.shape[0]))
    return np.clip(np.column_stack(cols), 0.0, 1.0)


def _fit_and_proba(estimator, X, y, train, test, pos_label):
    X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
    estimator.fit(X_train, _safe_indexing(y, train))
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

    Parameters
    ----------
    estimator : estimator instance
        Classifier with ``fit`` and ``predict_proba``; cloned unless
        ``cv="prefit"``.
    scoring : str, FBetaScore, MisclassificationCost, CountObjective or callable, \
default="f1"
        Objective to maximise: a name in :data:`THRESHOLD_SCORINGS` (``"f1"``
        maximises macro-F1), an objective object, or ``func(tp, fp, fn, tn)``.
    cv : int, float, "prefit", cross-validation generator or iterable, default=5
        An int gives :class:`IterativeStratifiedKFold`; a float in (0, 1) one
        stratified train/test split with that test fraction; ``"prefit"`` tunes
        the already fitted ``estimator`` on the data passed to ``fit`` and does
        not refit it; other splitters are used as given.
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
        Out-of-fold overall score at ``best_thresholds_``.
    tuned_labels_ : ndarray of bool, shape (n_labels,)
        False for labels that kept ``default_threshold`` (rare-label rule).
    cv_results_ : dict or None
        With ``store_cv_results=True``, ``{"thresholds": [...], "scores": [...]}``:
        one array per label (score against every distinct threshold).
    classes_ : ndarray
        ``arange(n_labels)`` for a multi-label target, the two class labels for
        a binary 1-D target.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when ``X`` has string feature names.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : binary version.
    tune_thresholds : the search on given labels and scores.

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
        "scoring": [
            StrOptions(set(THRESHOLD_SCORINGS)),
            FBetaScore,
            MisclassificationCost,
            CountObjective,
            callable,
        ],
        "cv": [
            "cv_object",
            StrOptions({"prefit"}),
            Interval(RealNotInt, 0.0, 1.0, closed="neither"),
        ],
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
        scoring="f1",
        cv=5,
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
        """Return the target for the inner estimator and the 0/1 label matrix."""
        if sparse.issparse(y):
            y = y.toarray()
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type == "multilabel-indicator":
            self._pos_label = None
            self.classes_ = np.arange(y.shape[1])
            Y = y.astype(int)
            return Y, Y
        if y_type != "binary":
            raise ValueError(
                "Only binary classification is supported for a 1-D target; for "
                "multi-label data pass a binary label-indicator matrix "
                f"(n_samples, n_labels). The type of the target is {y_type}."
            )
        self.classes_ = np.unique(y)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                "Only binary classification is supported, and y has only 1 class "
                f"({self.classes_[0]!r}); at least 2 classes are needed."
            )
        self._pos_label = self.classes_[1]
        return y, (y == self._pos_label).astype(int)[:, None]

    @_fit_context(
        # estimator is validated when it is fitted
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y):
        """Tune the thresholds (and refit the estimator unless ``cv="prefit"``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
            Binary label-indicator matrix, or a binary 1-D target.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True, dtype=None
        )
        y_fit, Y = self._encode_target(y)
        pos = self._pos_label
        if self.cv == "prefit":
            check_is_fitted(self.estimator)
            self.estimator_ = self.estimator
            Y_tune, proba = Y, positive_proba(self.estimator_, X, pos_label=pos)
        else:
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            if isinstance(self.cv, Real) and not isinstance(self.cv, Integral):
                splits = [iterative_train_test_split(Y, self.cv, seed)]
            elif isinstance(self.cv, Integral):
                splits = list(
                    IterativeStratifiedKFold(self.cv, random_state=seed).split(X, Y)
                )
            else:
                splits = list(check_cv(self.cv, y_fit, classifier=True).split(X, y_fit))
            if not self.refit and len(splits) > 1:
                raise ValueError(
                    "refit=False needs a single train/test split (a float cv); "
                    f"got {len(splits)} splits."
                )
            fitted = Parallel(n_jobs=self.n_jobs)(
                delayed(_fit_and_proba)(clone(self.estimator), X, y_fit, tr, te, pos)
                for tr, te in splits
            )
            proba = np.full(Y.shape, np.nan)
            for (_, test), (_, p) in zip(splits, fitted, strict=True):
                proba[test] = p
            seen = ~np.isnan(proba[:, 0])
            Y_tune, proba = Y[seen], proba[seen]
            if self.refit:
                self.estimator_ = clone(self.estimator).fit(X, y_fit)
            else:
                self.estimator_ = fitted[0][0]
        result = tune_thresholds(
            Y_tune,
            proba,
            self.scoring,
            min_positives=self.min_positives,
            default_threshold=self.default_threshold,
            zero_division=self.zero_division,
            n_jobs=self.n_jobs,
        )
        self.best_thresholds_ = result.thresholds
        self.best_scores_ = result.label_scores
        self.best_score_ = result.score
        self.tuned_labels_ = result.tuned
        self.cv_results_ = None
        if self.store_cv_results:
            ts, ss = threshold_curves(
                Y_tune,
                proba,
                self.scoring,
                thresholds=result.thresholds,
                zero_division=self.zero_division,
            )
            self.cv_results_ = {"thresholds": ts, "scores": ss}
        return self

    def _label_proba(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=None, reset=False
        )
        return positive_proba(self.estimator_, X, pos_label=self._pos_label)

    def predict_proba(self, X):
        """Probability of each label.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_labels) or (n_samples,)
            0/1 label indicator; class labels for a binary 1-D target.
        """
        D = decode(
            self._label_proba(X),
            self.best_thresholds_,
            min_labels=self.min_labels,
            max_labels=self.max_labels,
        )
        if self._pos_label is not None:
            return self.classes_[D[:, 0]]
        return D

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.classifier_tags.multi_label = True
        tags.classifier_tags.multi_class = False
        return tags
