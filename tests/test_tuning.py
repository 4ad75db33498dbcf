"""Tests for TunedThresholdMultiLabelClassifierCV with non-neural classifiers."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_multilabel_nn._objectives import FBetaScore, MisclassificationCost
from sklearn_multilabel_nn._stratify import (
    IterativeStratifiedKFold,
    iterative_stratification,
)
from sklearn_multilabel_nn._thresholds import decode, tune_thresholds
from sklearn_multilabel_nn._tuning import (
    TunedThresholdMultiLabelClassifierCV,
    positive_proba,
)


def _ovr():
    return OneVsRestClassifier(LogisticRegression(solver="liblinear"))


def _rf():
    return RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=240, n_features=10, n_classes=5, n_labels=2, random_state=0
    )
    return X, Y


_TUNED = TunedThresholdMultiLabelClassifierCV(_ovr(), cv=3)
# Same plumbing with every label at the default threshold (rare-label rule).
_UNTUNED = TunedThresholdMultiLabelClassifierCV(_ovr(), cv=3, min_positives=10**9)


def _expected_failed_checks(estimator):
    if estimator.min_positives > 1000:
        return {}
    reason = (
        "By design, predict applies the tuned per-label thresholds, so it differs "
        "from predict_proba rounded at 0.5 (or its argmax); the same estimator with "
        "default thresholds passes this check."
    )
    return {"check_classifier_multioutput": reason, "check_classifiers_train": reason}


@parametrize_with_checks(
    [_TUNED, _UNTUNED], expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("make", [_rf, _ovr, lambda: KNeighborsClassifier(7)])
def test_list_and_array_outputs(data, make):
    X, Y = data
    clf = TunedThresholdMultiLabelClassifierCV(
        make(), scoring="f1", cv=3, random_state=0
    ).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and proba.dtype.kind == "f"
    assert clf.best_thresholds_.shape == clf.best_scores_.shape == (5,)
    np.testing.assert_array_equal(clf.classes_, np.arange(5))
    assert clf.n_features_in_ == 10
    np.testing.assert_array_equal(clf.predict(X), decode(proba, clf.best_thresholds_))
    assert clf.best_score_ == pytest.approx(np.mean(clf.best_scores_))
    assert clf.cv_results_ is None


def test_positive_proba_handles_constant_labels():
    X = np.arange(20.0)[:, None]
    Y = np.zeros((20, 3), dtype=int)
    Y[10:, 0] = 1
    Y[:, 2] = 1  # always present: RandomForest keeps a single class, [1]
    est = _rf().fit(X, Y)
    p = positive_proba(est, X)
    assert p.shape == (20, 3)
    np.testing.assert_array_equal(p[:, 1], 0)
    np.testing.assert_array_equal(p[:, 2], 1)
    with pytest.raises(ValueError, match="expected"):
        positive_proba(type("E", (), {"predict_proba": lambda s, X: np.zeros(3)})(), X)


def test_positive_proba_keeps_float32_and_clips_only_out_of_range():
    class Scores:
        def __init__(self, proba):
            self.proba = proba

        def predict_proba(self, X):
            return self.proba

    p32 = np.array([[0.2, 0.9]], dtype=np.float32)
    # float32 scores stay float32 (the threshold search sorts them as such) and
    # are not copied when nothing needs clipping.
    assert positive_proba(Scores(p32), None) is p32
    outside = np.array([[-1e-9, 1.0 + 1e-9]])
    clipped = positive_proba(Scores(outside), None)
    np.testing.assert_array_equal(clipped, [[0.0, 1.0]])
    assert outside[0, 0] < 0  # the estimator's array is left alone
    ints = positive_proba(Scores(np.array([[0, 1]])), None)
    assert ints.dtype == np.float64


def test_prefit_tunes_on_given_data_without_refit(data):
    X, Y = data
    est = _rf().fit(X, Y)
    clf = TunedThresholdMultiLabelClassifierCV(est, cv="prefit", min_positives=1)
    clf.fit(X[:120], Y[:120])
    assert clf.estimator_ is est
    expected = tune_thresholds(
        Y[:120], positive_proba(est, X[:120]), "f1_micro_macro", min_positives=1
    )
    np.testing.assert_array_equal(clf.best_thresholds_, expected.thresholds)
    with pytest.raises(NotFittedError):
        TunedThresholdMultiLabelClassifierCV(_rf(), cv="prefit").fit(X, Y)


def test_refit_false_and_single_split(data):
    X, Y = data
    knn = KNeighborsClassifier(5)
    clf = TunedThresholdMultiLabelClassifierCV(knn, cv=0.25, refit=False).fit(X, Y)
    assert clf.estimator_.n_samples_fit_ == pytest.approx(180, abs=3)
    clf = TunedThresholdMultiLabelClassifierCV(knn, cv=0.25).fit(X, Y)
    assert clf.estimator_.n_samples_fit_ == 240
    with pytest.raises(ValueError, match="single train/test split"):
        TunedThresholdMultiLabelClassifierCV(knn, cv=3, refit=False).fit(X, Y)
    # A splitter object is used as given.
    clf = TunedThresholdMultiLabelClassifierCV(knn, cv=KFold(3)).fit(X, Y)
    assert clf.best_thresholds_.shape == (5,)


def test_tuning_beats_default_threshold_on_held_out_data():
    X, Y = make_multilabel_classification(
        n_samples=900, n_features=20, n_classes=8, n_labels=2, random_state=3
    )
    X_tr, X_te, Y_tr, Y_te = X[:600], X[600:], Y[:600], Y[600:]
    base = _ovr().fit(X_tr, Y_tr)
    clf = TunedThresholdMultiLabelClassifierCV(_ovr(), scoring="f1", random_state=0)
    clf.fit(X_tr, Y_tr)
    default = f1_score(Y_te, base.predict(X_te), average="macro")
    tuned = f1_score(Y_te, clf.predict(X_te), average="macro")
    assert tuned > default + 0.02


@pytest.mark.parametrize(
    "scoring",
    [
        "f1_micro",
        "f1_samples",
        "neg_hamming_loss",
        FBetaScore(2.0),
        MisclassificationCost(1.0, [1, 2, 3, 4, 5]),
        lambda tp, fp, fn, tn: tp - fp,
    ],
)
def test_scorings(data, scoring):
    X, Y = data
    clf = TunedThresholdMultiLabelClassifierCV(_ovr(), scoring=scoring, cv=3)
    clf.fit(X, Y)
    assert np.isfinite(clf.best_score_)


def test_min_max_labels_and_curves(data):
    X, Y = data
    clf = TunedThresholdMultiLabelClassifierCV(
        _ovr(), scoring="f1", cv=3, min_labels=1, max_labels=2, store_cv_results=True
    ).fit(X, Y)
    counts = clf.predict(X).sum(axis=1)
    assert counts.min() >= 1 and counts.max() <= 2
    curves = clf.cv_results_
    assert len(curves["thresholds"]) == len(curves["scores"]) == 5
    for j in range(5):
        assert np.max(curves["scores"][j]) == pytest.approx(clf.best_scores_[j])


def test_rare_label_keeps_default(data):
    X, Y = data
    Y = Y.copy()
    Y[:, 4] = 0
    Y[:3, 4] = 1
    clf = TunedThresholdMultiLabelClassifierCV(
        _ovr(), cv=3, min_positives=5, default_threshold=0.45
    ).fit(X, Y)
    assert clf.tuned_labels_.tolist() == [True] * 4 + [False]
    assert clf.best_thresholds_[4] == 0.45


def test_binary_1d_target(data):
    X, Y = data
    y = np.where(Y[:, 0] == 1, "yes", "no")
    clf = TunedThresholdMultiLabelClassifierCV(_rf(), cv=3).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    assert clf.best_thresholds_.shape == (1,)
    assert clf.predict_proba(X).shape == (240, 2)
    assert set(clf.predict(X)) <= {"no", "yes"}
    p = clf.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(clf.predict(X) == "yes", p >= clf.best_thresholds_[0])


@pytest.mark.parametrize(
    "est, y, match",
    [
        (_ovr(), np.arange(240) % 3, "Only binary classification is supported"),
        (_ovr(), np.linspace(0, 1, 240), "Unknown label type"),
        (_ovr(), np.zeros(240), "only 1 class"),
        (LinearRegression(), None, "predict_proba"),
        (
            TunedThresholdMultiLabelClassifierCV(_ovr(), scoring="roc_auc"),
            None,
            "scoring",
        ),
    ],
)
def test_bad_input(data, est, y, match):
    X, Y = data
    clf = (
        est
        if hasattr(est, "best_thresholds_")
        or isinstance(est, TunedThresholdMultiLabelClassifierCV)
        else TunedThresholdMultiLabelClassifierCV(est, cv=3)
    )
    with pytest.raises(ValueError, match=match):
        clf.fit(X, Y if y is None else y)


def test_multioutput_multiclass_rejected(data):
    X, Y = data
    with pytest.raises(ValueError, match="label indicator"):
        TunedThresholdMultiLabelClassifierCV(_ovr()).fit(X, Y * 2 + Y[:, ::-1])


def test_clone_and_params():
    clf = TunedThresholdMultiLabelClassifierCV(_ovr(), scoring="f1_micro", cv=4)
    assert clone(clf).get_params()["scoring"] == "f1_micro"


def test_iterative_stratification_spreads_rare_labels():
    rng = np.random.default_rng(0)
    Y = (rng.random((500, 6)) < [0.5, 0.2, 0.1, 0.05, 0.02, 0.01]).astype(int)
    Y[:5, 5] = 1  # rare label with >= 5 positives
    folds = iterative_stratification(Y, np.full(5, 0.2), random_state=0)
    per_fold = np.array([Y[folds == f].sum(axis=0) for f in range(5)])
    totals = Y.sum(axis=0)
    # Each fold holds each label's positives within one of an even share.
    assert np.all(np.abs(per_fold - totals / 5) <= 1.0 + 1e-9)
    assert np.all(np.abs(np.bincount(folds) - 100) <= 2)
    splits = list(IterativeStratifiedKFold(5, random_state=0).split(None, Y))
    assert sorted(np.concatenate([te for _, te in splits]).tolist()) == list(range(500))
    with pytest.raises(ValueError, match="n_splits"):
        IterativeStratifiedKFold(1)
    with pytest.raises(ValueError, match="n_samples=3"):
        list(IterativeStratifiedKFold(5).split(None, Y[:3]))


def test_label_sets_and_dataframes_reach_the_inner_estimator(data):
    # y in any form the estimator takes; X passed through untouched, so a
    # ColumnTransformer can select columns by name.
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, Y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    names = np.array(["a", "b", "c", "d", "e"])
    label_sets = [tuple(names[row == 1]) for row in Y]
    select = ColumnTransformer([("keep", StandardScaler(), ["f0", "f1", "f2"])])
    inner = make_pipeline(select, _ovr())
    clf = TunedThresholdMultiLabelClassifierCV(inner, cv=3, random_state=0)
    clf.fit(frame, label_sets)
    np.testing.assert_array_equal(clf.classes_, names)
    predicted = clf.predict(frame)
    assert isinstance(predicted, list) and set().union(*predicted) <= set(names)
    exact = np.mean(
        [set(p) == set(t) for p, t in zip(predicted, label_sets, strict=True)]
    )
    assert clf.score(frame, label_sets) == pytest.approx(exact)
    with pytest.raises(ValueError, match="(?i)negative"):
        clf.score(frame, label_sets, sample_weight=-np.ones(len(frame)))
    assert clf.n_features_in_ == X.shape[1] == clf.estimator_.n_features_in_
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    # The same thresholds as with the indicator matrix.
    indicator = TunedThresholdMultiLabelClassifierCV(inner, cv=3, random_state=0)
    indicator.fit(frame, pd.DataFrame(Y, columns=names))
    np.testing.assert_array_equal(clf.best_thresholds_, indicator.best_thresholds_)
    np.testing.assert_array_equal(indicator.classes_, names)
    assert not hasattr(TunedThresholdMultiLabelClassifierCV(_ovr()), "n_features_in_")


def test_sample_weight_is_routed_to_the_estimator(data):
    import sklearn

    X, Y = data
    weights = np.linspace(0.1, 2.0, len(X))
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        TunedThresholdMultiLabelClassifierCV(_rf(), cv=3).fit(
            X, Y, sample_weight=weights
        )
    with sklearn.config_context(enable_metadata_routing=True):
        rf = _rf().set_fit_request(sample_weight=True)
        clf = TunedThresholdMultiLabelClassifierCV(rf, cv=3, random_state=0)
        clf.fit(X, Y, sample_weight=weights)
        unweighted = TunedThresholdMultiLabelClassifierCV(
            _rf(), cv=3, random_state=0
        ).fit(X, Y)
    reference = _rf().fit(X, Y, sample_weight=weights)
    np.testing.assert_allclose(
        clf.predict_proba(X), positive_proba(reference, X), rtol=1e-12
    )
    assert not np.allclose(clf.predict_proba(X), unweighted.predict_proba(X))


def test_repeats_and_bootstrap_share_the_estimators_core(data):
    from sklearn_multilabel_nn._threshold_cv import ThresholdSearch, plan_folds

    X, Y = data
    clf = TunedThresholdMultiLabelClassifierCV(
        _ovr(), cv=3, cv_repeats=2, bootstrap=3, random_state=0
    ).fit(X, Y)
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
    folds = plan_folds(Y, 3, n_repeats=2, seed=seed)
    assert len(folds) == 6 and {f.repeat for f in folds} == {0, 1}
    pooled = [np.full(Y.shape, np.nan) for _ in range(2)]
    for fold in folds:
        fitted = clone(_ovr()).fit(X[fold.train], Y[fold.train])
        pooled[fold.repeat][fold.test] = positive_proba(fitted, X[fold.test])
    expected, _ = ThresholdSearch(bootstrap=3).tune(Y, pooled, seed)
    np.testing.assert_allclose(clf.best_thresholds_, expected)
    assert np.isfinite(clf.best_score_) and clf.best_scores_.shape == (5,)
    with pytest.raises(ValueError, match="int cv"):
        TunedThresholdMultiLabelClassifierCV(_ovr(), cv=0.3, cv_repeats=2).fit(X, Y)


def test_held_out_rows_copies_only_partial_repeats():
    from sklearn_multilabel_nn._threshold_cv import held_out_rows

    Y = np.array([[1, 0], [0, 1], [1, 1]])
    full = np.full((3, 2), 0.5)
    partial = full.copy()
    partial[1] = np.nan  # a row no fold held out (one train/test split)
    (Y_full, s_full), (Y_part, s_part) = held_out_rows(Y, [full, partial])
    assert Y_full is Y and s_full is full  # no copy of large pooled scores
    np.testing.assert_array_equal(Y_part, Y[[0, 2]])
    np.testing.assert_array_equal(s_part, partial[[0, 2]])
