"""Tests for ThresholdCurveDisplay (Agg backend)."""

import numpy as np
import pytest

from sklearn_multilabel_nn._display import ThresholdCurveDisplay
from sklearn_multilabel_nn._thresholds import tune_thresholds
from sklearn_multilabel_nn._tuning import TunedThresholdMultiLabelClassifierCV

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    Y = (rng.random((120, 3)) < [0.5, 0.3, 0.1]).astype(int)
    P = np.clip(0.4 * Y + 0.6 * rng.random((120, 3)), 0, 1)
    return Y, P


def test_from_predictions_marks_tuned_thresholds(data):
    Y, P = data
    disp = ThresholdCurveDisplay.from_predictions(Y, P, label_names=["a", "b", "c"])
    res = tune_thresholds(Y, P)
    np.testing.assert_allclose(disp.chosen_thresholds, res.thresholds)
    np.testing.assert_allclose(disp.chosen_scores, res.label_scores)
    assert len(disp.lines_) == len(disp.markers_) == 3
    assert disp.ax_.get_xlabel() == "Decision threshold"
    assert disp.ax_.get_ylabel() == "f1"
    x, y = disp.markers_[0].get_data()
    assert x[0] == pytest.approx(res.thresholds[0])
    assert disp.lines_[1].get_label().startswith("b")
    assert disp.figure_ is disp.ax_.figure


def test_given_thresholds_subset_and_existing_axes(data):
    Y, P = data
    fig, ax = plt.subplots()
    disp = ThresholdCurveDisplay.from_predictions(
        Y, P, thresholds=0.5, labels=[2], ax=ax, show_chosen=False
    )
    assert disp.ax_ is ax and len(disp.lines_) == 1 and disp.markers_ == []
    np.testing.assert_array_equal(disp.chosen_thresholds, [0.5])
    # Global objective: every label's curve is the global score.
    disp = ThresholdCurveDisplay.from_predictions(Y, P, scoring="f1_micro")
    assert np.allclose(disp.chosen_scores, disp.chosen_scores[0])
    for s in disp.scores:
        assert s.max() <= disp.chosen_scores[0] + 1e-12
    with pytest.raises(ValueError, match="label_names"):
        ThresholdCurveDisplay.from_predictions(Y, P, label_names=["a"])


def test_from_estimator_uses_best_thresholds(data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    Y, P = data
    X = P + np.random.default_rng(1).normal(0, 0.1, P.shape)
    clf = TunedThresholdMultiLabelClassifierCV(
        OneVsRestClassifier(LogisticRegression(solver="liblinear")),
        scoring="jaccard",
        cv=3,
    ).fit(X, Y)
    disp = ThresholdCurveDisplay.from_estimator(clf, X, Y)
    np.testing.assert_array_equal(disp.chosen_thresholds, clf.best_thresholds_)
    assert disp.score_name == "jaccard"
    # A plain classifier: tuned on the given data.
    disp = ThresholdCurveDisplay.from_estimator(clf.estimator_, X, Y)
    np.testing.assert_allclose(
        disp.chosen_thresholds,
        tune_thresholds(Y, clf.estimator_.predict_proba(X)).thresholds,
    )


@pytest.mark.parametrize("stacked", [False, True])
def test_from_predictions_reads_multi_output_proba(data, stacked):
    Y, P = data
    proba = [np.column_stack([1 - P[:, j], P[:, j]]) for j in range(P.shape[1])]
    if stacked:
        proba = np.stack(proba)
    disp = ThresholdCurveDisplay.from_predictions(Y, proba)
    expected = ThresholdCurveDisplay.from_predictions(Y, P)
    np.testing.assert_array_equal(disp.chosen_thresholds, expected.chosen_thresholds)
    for got, want in zip(disp.scores, expected.scores, strict=True):
        np.testing.assert_array_equal(got, want)
