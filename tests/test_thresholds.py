"""Tests for the pure-NumPy threshold search (no estimators, no Keras)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score, hamming_loss, jaccard_score

from sklearn_multilabel_nn._objectives import (
    THRESHOLD_SCORINGS,
    CountObjective,
    FBetaScore,
    MisclassificationCost,
)
from sklearn_multilabel_nn._thresholds import (
    apply_thresholds,
    decode,
    resolve_thresholds,
    threshold_curves,
    tune_thresholds,
)


def _counts(y, d):
    tp = np.sum(d & y)
    fp = np.sum(d & ~y)
    fn = np.sum(~d & y)
    return tp, fp, fn, np.sum(~d & ~y)


def _fbeta(beta):
    def f(tp, fp, fn, tn):
        b2 = beta**2
        den = (1 + b2) * tp + b2 * fn + fp
        return 0.0 if den == 0 else (1 + b2) * tp / den

    return f


def _brute_force(Y, P, func):
    """Best score per label over every distinct cut point (and "nothing")."""
    best = []
    for j in range(Y.shape[1]):
        y, p = Y[:, j].astype(bool), P[:, j]
        cands = list(np.unique(p)) + ([np.nextafter(p.max(), 2)] if p.max() < 1 else [])
        best.append(max(func(*_counts(y, p >= t)) for t in cands))
    return np.array(best)


def _data(seed, n=60, n_labels=4, decimals=None, dtype=float):
    rng = np.random.default_rng(seed)
    Y = rng.random((n, n_labels)) < rng.uniform(0.1, 0.6, n_labels)
    P = np.clip(0.35 * Y + 0.65 * rng.random((n, n_labels)), 0, 1)
    if decimals is not None:  # many ties
        P = np.round(P, decimals)
    return Y.astype(int), P.astype(dtype)


COST_FP = np.array([1.0, 2.0, 0.5, 3.0])
COST_FN = np.array([4.0, 1.0, 1.0, 0.0])
OBJECTIVES = [
    ("f1", _fbeta(1.0)),
    (FBetaScore(2.0), _fbeta(2.0)),
    (FBetaScore(0.5), _fbeta(0.5)),
    ("jaccard", lambda tp, fp, fn, tn: tp / (tp + fp + fn) if tp + fp + fn else 0.0),
    ("neg_hamming_loss", lambda tp, fp, fn, tn: -(fp + fn) / (tp + fp + fn + tn)),
]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("decimals", [None, 1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scoring, func", OBJECTIVES)
def test_per_label_search_matches_brute_force(seed, decimals, dtype, scoring, func):
    Y, P = _data(seed, decimals=decimals, dtype=dtype)
    res = tune_thresholds(Y, P, scoring, min_positives=0)
    expected = _brute_force(Y, P, func)
    np.testing.assert_allclose(res.label_scores, expected, rtol=1e-12, atol=1e-12)
    # The reported thresholds reproduce the reported scores.
    got = [func(*_counts(Y[:, j] == 1, P[:, j] >= res.thresholds[j])) for j in range(4)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert np.all((res.thresholds >= 0) & (res.thresholds <= 1))


@pytest.mark.parametrize("seed", range(4))
def test_cost_matches_brute_force(seed):
    Y, P = _data(seed, decimals=2 if seed % 2 else None)
    res = tune_thresholds(
        Y, P, MisclassificationCost(COST_FP, COST_FN), min_positives=0
    )
    n = Y.shape[0]
    for j in range(4):
        func = lambda tp, fp, fn, tn, j=j: -(COST_FP[j] * fp + COST_FN[j] * fn) / n  # noqa: E731
        assert res.label_scores[j] == pytest.approx(
            _brute_force(Y[:, [j]], P[:, [j]], func)[0]
        )
    assert res.score == pytest.approx(res.label_scores.sum())
    # Unit costs: the score is -n_labels * Hamming loss.
    unit = tune_thresholds(Y, P, MisclassificationCost(), min_positives=0)
    ham = tune_thresholds(Y, P, "neg_hamming_loss", min_positives=0)
    assert unit.score == pytest.approx(4 * ham.score)
    assert -ham.score == pytest.approx(hamming_loss(Y, P >= ham.thresholds))


@pytest.mark.parametrize("monotone", [False, True])
def test_count_objective_matches_brute_force(monotone):
    Y, P = _data(7, decimals=2)
    if monotone:

        def func(tp, fp, fn, tn):
            return tp - 0.5 * fp
    else:  # not monotone in fp: rewards predicting about 20 positives

        def func(tp, fp, fn, tn):
            return -np.abs(tp + fp - 20) + 0.0 * fn

    res = tune_thresholds(
        Y, P, CountObjective(func, monotone=monotone), min_positives=0
    )
    np.testing.assert_allclose(res.label_scores, _brute_force(Y, P, func))
    # A plain callable is wrapped (non-monotone, full search).
    plain = tune_thresholds(Y, P, func, min_positives=0)
    np.testing.assert_allclose(plain.label_scores, res.label_scores)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 30).flatmap(
        lambda n: st.tuples(
            st.lists(st.booleans(), min_size=n, max_size=n),
            st.lists(
                st.sampled_from([-0.0, 0.0, 0.1, 0.2, 0.5, 0.7, 1.0])
                | st.floats(0, 1, allow_subnormal=True),
                min_size=n,
                max_size=n,
            ),
        )
    ),
    st.sampled_from(OBJECTIVES[:4]),
)
def test_exactness_property(data, objective):
    y, p = data
    scoring, func = objective
    Y, P = np.array(y, dtype=int)[:, None], np.array(p)[:, None]
    res = tune_thresholds(Y, P, scoring, min_positives=0)
    assert res.label_scores[0] == pytest.approx(_brute_force(Y, P, func)[0], abs=1e-12)
    t = res.thresholds[0]
    assert 0 <= t <= 1
    assert func(*_counts(Y[:, 0] == 1, P[:, 0] >= t)) == pytest.approx(
        res.label_scores[0]
    )


def test_midpoint_thresholds_and_ties_to_default():
    Y = np.array([[1], [1], [0], [0]])
    P = np.array([[0.9], [0.7], [0.3], [0.1]])
    assert tune_thresholds(Y, P, min_positives=1).thresholds[0] == pytest.approx(0.5)
    # Every cut between 0.7 and 0.3 is perfect: the midpoint of the gap.
    P2 = np.array([[0.9], [0.8], [0.2], [0.1]])
    assert tune_thresholds(Y, P2, min_positives=1).thresholds[0] == pytest.approx(0.5)
    # Adjacent floats: the midpoint would round down, so the kept score is used.
    hi = 0.5
    lo = np.nextafter(hi, 0)
    P3 = np.array([[hi], [hi], [lo], [lo]])
    res = tune_thresholds(Y, P3, min_positives=1)
    assert res.thresholds[0] == hi and res.label_scores[0] == 1.0
    # Top score exactly 1 with no positive: nothing else to choose but a tie.
    res = tune_thresholds(
        np.array([[0], [0]]), np.array([[1.0], [0.2]]), min_positives=0
    )
    assert res.label_scores[0] == 0.0


def test_rare_label_rule_keeps_default():
    rng = np.random.default_rng(0)
    Y = np.zeros((50, 3), dtype=int)
    Y[:2, 0] = 1  # 2 positives: too rare
    Y[:, 1] = rng.random(50) < 0.5  # fine
    Y[:48, 2] = 1  # 2 negatives: too common
    P = rng.random((50, 3))
    res = tune_thresholds(Y, P, min_positives=3, default_threshold=0.4)
    assert res.tuned.tolist() == [False, True, False]
    assert res.thresholds[0] == res.thresholds[2] == 0.4
    assert res.thresholds[1] != 0.4
    # Their scores are those at the default threshold.
    assert res.label_scores[0] == pytest.approx(f1_score(Y[:, 0], P[:, 0] >= 0.4))
    # min_positives=0 tunes everything; rare labels are also left out of ascent.
    assert tune_thresholds(Y, P, min_positives=0).tuned.all()
    res = tune_thresholds(Y, P, "f1_micro", min_positives=3, default_threshold=0.4)
    assert res.thresholds[0] == res.thresholds[2] == 0.4


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    "scoring, metric",
    [
        ("f1_micro", lambda Y, D: f1_score(Y, D, average="micro", zero_division=0)),
        (
            "f1_micro_macro",
            lambda Y, D: (
                (
                    f1_score(Y, D, average="micro", zero_division=0)
                    + f1_score(Y, D, average="macro", zero_division=0)
                )
                / 2
            ),
        ),
        ("f1_samples", lambda Y, D: f1_score(Y, D, average="samples", zero_division=0)),
        (
            "jaccard_samples",
            lambda Y, D: jaccard_score(Y, D, average="samples", zero_division=0),
        ),
    ],
)
def test_coordinate_ascent_never_worse(seed, scoring, metric):
    Y, P = _data(seed, n=80, n_labels=6, decimals=2)
    start_obj = "jaccard" if scoring == "jaccard_samples" else "f1"
    start = tune_thresholds(Y, P, start_obj, min_positives=0).thresholds
    res = tune_thresholds(Y, P, scoring, min_positives=0)
    assert res.score == pytest.approx(metric(Y, P >= res.thresholds))
    assert res.score >= metric(Y, P >= start) - 1e-12
    assert res.n_sweeps >= 1
    # A coordinate optimum: no single label can improve by moving alone.
    ts, ss = threshold_curves(Y, P, scoring, thresholds=res.thresholds)
    for j in range(6):
        assert np.max(ss[j]) <= res.score + 1e-12


def test_micro_f1_improves_on_a_constructed_case():
    # Label 1 alone is best left empty (F1 0 either way), but for micro-F1 the
    # per-label start on label 0 is not optimal once the labels are pooled.
    rng = np.random.default_rng(3)
    Y, P = _data(11, n=200, n_labels=8)
    P[:, :4] = rng.random((200, 4))  # uninformative labels
    start = tune_thresholds(Y, P, "f1", min_positives=0)
    res = tune_thresholds(Y, P, "f1_micro", min_positives=0)
    micro = f1_score(Y, P >= start.thresholds, average="micro")
    assert res.score > micro


def test_sparse_labels_and_signed_zero():
    from scipy import sparse

    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    P = np.array([[0.9, -0.0], [-0.0, 0.6], [0.0, 0.7], [0.0, 0.0]])
    dense = tune_thresholds(Y, P, min_positives=1)
    res = tune_thresholds(sparse.csr_matrix(Y), P, min_positives=1)
    np.testing.assert_array_equal(res.thresholds, dense.thresholds)
    assert res.label_scores[1] == 1.0


def test_result_object():
    Y, P = _data(0)
    res = tune_thresholds(Y, P, "f1")
    thresholds, label_scores, score = res
    assert thresholds.shape == label_scores.shape == (4,)
    assert score == pytest.approx(f1_score(Y, P >= thresholds, average="macro"))
    assert "ThresholdTuningResult" in repr(res)
    assert {"f1", "f1_micro", "f1_samples", "neg_hamming_loss"} <= THRESHOLD_SCORINGS


def test_threads_give_same_result():
    Y, P = _data(1, n=300, n_labels=40)
    a = tune_thresholds(Y, P, n_jobs=None)
    b = tune_thresholds(Y, P, n_jobs=2)
    np.testing.assert_array_equal(a.thresholds, b.thresholds)


def test_curves_per_label():
    Y, P = _data(2, decimals=2)
    res = tune_thresholds(Y, P, "f1", min_positives=0)
    ts, ss = threshold_curves(Y, P, "f1", labels=[1, 3])
    assert len(ts) == 2
    for k, j in enumerate([1, 3]):
        assert np.all(np.diff(ts[k]) > 0)
        assert np.max(ss[k]) == pytest.approx(res.label_scores[j])
        assert len(ts[k]) == len(np.unique(P[:, j])) + (P[:, j].max() < 1)
    with pytest.raises(ValueError, match="labels must be indices"):
        threshold_curves(Y, P, labels=[7])


def test_decode():
    P = np.array([[0.2, 0.1, 0.3], [0.9, 0.8, 0.7], [0.6, 0.1, 0.55]])
    t = np.array([0.5, 0.05, 0.5])
    np.testing.assert_array_equal(decode(P, t), apply_thresholds(P, t))
    np.testing.assert_array_equal(
        decode(P, t, min_labels=1, max_labels=1, rank_by="margin"),
        [[0, 1, 0], [0, 1, 0], [1, 0, 0]],  # by margin: 0.75 > 0.4; 0.1 > 0.05
    )
    # The default floor takes the best-scoring label, not the nearest miss.
    nothing_passes = np.array([[0.2, 0.01, 0.3]])
    np.testing.assert_array_equal(decode(nothing_passes, t, min_labels=1), [[0, 0, 1]])
    np.testing.assert_array_equal(
        decode(nothing_passes, t, min_labels=1, rank_by="margin"), [[0, 1, 0]]
    )
    np.testing.assert_array_equal(
        decode(P, t, max_labels=1, rank_by="proba"), [[0, 1, 0], [1, 0, 0], [1, 0, 0]]
    )
    # min_labels fills from the best-ranked labels that did not pass.
    np.testing.assert_array_equal(
        decode(P, 0.95, min_labels=2), [[1, 0, 1], [1, 1, 0], [1, 0, 1]]
    )
    np.testing.assert_array_equal(
        decode(P, 0.95, min_labels=1, rank_by="proba"),
        [[0, 0, 1], [1, 0, 0], [1, 0, 0]],
    )
    assert decode(P, 0.95, min_labels=5).sum() == 9  # capped at n_labels
    out = decode(
        np.random.default_rng(0).random((100, 6)), 0.3, min_labels=1, max_labels=2
    )
    assert out.sum(axis=1).min() >= 1 and out.sum(axis=1).max() <= 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"min_labels": -1}, "min_labels"),
        ({"max_labels": 0}, "max_labels"),
        ({"min_labels": 3, "max_labels": 2}, "must not be smaller"),
        ({"rank_by": "x"}, "rank_by"),
    ],
)
def test_decode_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        decode(np.zeros((2, 3)), 0.5, **kwargs)


def test_decode_refuses_nan_and_complex_scores():
    with pytest.raises(ValueError, match="proba contains NaN"):
        decode(np.array([[0.2, np.nan]]), 0.5)
    with pytest.raises(TypeError, match="complex"):
        decode(np.array([[0.2, 0.7]]) + 1j, 0.5)
    # inf is a score like any other: above every threshold.
    assert decode(np.array([[np.inf, -np.inf]]), 0.5).tolist() == [[1, 0]]


@pytest.mark.parametrize(
    "Y, P, kwargs, match",
    [
        (np.zeros((3, 2)), np.zeros((3, 3)), {}, "same shape"),
        (np.zeros(3), np.zeros(3), {}, "2-D"),
        (np.zeros((0, 2)), np.zeros((0, 2)), {}, "at least one sample"),
        (np.zeros((2, 1)), np.array([[0.5], [1.5]]), {}, r"\[0, 1\]"),
        (np.zeros((2, 1)), np.array([[0.5], [np.nan]]), {}, "finite"),
        (np.full((2, 1), 2), np.zeros((2, 1)), {}, "binary label-indicator"),
        (np.zeros((2, 1)), np.zeros((2, 1)), {"scoring": "roc_auc"}, "Unknown scoring"),
        (np.zeros((2, 1)), np.zeros((2, 1)), {"scoring": 3}, "scoring must be"),
        (np.zeros((2, 1)), np.zeros((2, 1)), {"min_positives": -1}, "min_positives"),
        (np.zeros((2, 1)), np.zeros((2, 1)), {"default_threshold": 2}, "default_thr"),
        (
            np.zeros((2, 1)),
            np.zeros((2, 1)),
            {"scoring": MisclassificationCost([1, 2], 1)},
            "2 values but there are 1 labels",
        ),
    ],
)
def test_tune_bad_input(Y, P, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tune_thresholds(Y, P, **kwargs)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: FBetaScore(0), "beta"),
        (lambda: MisclassificationCost(-1), "fp_cost"),
        (lambda: MisclassificationCost(1, [[1]]), "fn_cost"),
        (lambda: CountObjective(3), "callable"),
        (lambda: CountObjective(np.sum, aggregate="max"), "aggregate"),
    ],
)
def test_objective_bad_input(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_resolve_and_apply_unchanged():
    np.testing.assert_array_equal(resolve_thresholds(0.3, 2), [0.3, 0.3])
    with pytest.raises(ValueError, match="one value per label"):
        resolve_thresholds([0.1, 0.2], 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        resolve_thresholds(1.5, 2)
    np.testing.assert_array_equal(apply_thresholds([[0.5, 0.4]], [0.5, 0.5]), [[1, 0]])


@pytest.mark.parametrize("scoring", ["f1_samples", "jaccard_samples", "f1_micro"])
def test_zero_division_one(scoring):
    Y, P = _data(5, n=80, n_labels=5, decimals=2)
    Y[:20] = 0  # samples with no labels
    metric = {
        "f1_samples": lambda D: f1_score(Y, D, average="samples", zero_division=1),
        "jaccard_samples": lambda D: jaccard_score(
            Y, D, average="samples", zero_division=1
        ),
        "f1_micro": lambda D: f1_score(Y, D, average="micro", zero_division=1),
    }[scoring]
    res = tune_thresholds(Y, P, scoring, zero_division=1, min_positives=0)
    assert res.score == pytest.approx(metric(P >= res.thresholds))
    start = tune_thresholds(
        Y, P, "jaccard" if scoring == "jaccard_samples" else "f1", min_positives=0
    )
    assert res.score >= metric(P >= start.thresholds) - 1e-12
    res0 = tune_thresholds(Y, P, scoring, zero_division=0, min_positives=0)
    if scoring != "f1_micro":  # empty samples now reward predicting nothing
        assert res.score > res0.score


def test_zero_division_per_label():
    Y = np.zeros((6, 1), dtype=int)
    P = np.linspace(0.1, 0.6, 6)[:, None]
    f1 = tune_thresholds(Y, P, zero_division=1, min_positives=0)
    assert f1.label_scores[0] == 1.0 and f1.thresholds[0] > 0.6  # predict nothing
    with pytest.raises(ValueError, match="zero_division"):
        tune_thresholds(Y, P, zero_division=0.5)


@pytest.mark.parametrize("scoring", ["f1", "f1_micro", "f1_micro_macro", "f1_samples"])
def test_label_without_positives_and_top_score_one(scoring):
    Y, P = _data(3, n=30, n_labels=3)
    Y[:, 1] = 0
    P[0, 1] = 1.0  # "predict nothing" is out of reach for label 1
    res = tune_thresholds(Y, P, scoring, min_positives=0)
    assert np.all((res.thresholds >= 0) & (res.thresholds <= 1))
    assert np.isfinite(res.score)


def test_micro_macro_blend_sits_between_its_parts():
    # Micro-F1 gives rare labels high thresholds, per-label F1 low ones; their
    # mean lands in between on both scores and beats each on the mean.
    rng = np.random.default_rng(0)
    n, prevalence = 500, np.array([0.6, 0.5, 0.1, 0.05, 0.04])
    Y = (rng.random((n, 5)) < prevalence).astype(int)
    P = 1 / (1 + np.exp(-(Y + rng.normal(size=(n, 5)) + np.log(prevalence))))

    def both(t):
        D = P >= t
        return (
            f1_score(Y, D, average="micro", zero_division=0),
            f1_score(Y, D, average="macro", zero_division=0),
        )

    micro = both(tune_thresholds(Y, P, "f1_micro").thresholds)
    macro = both(tune_thresholds(Y, P, "f1").thresholds)
    res = tune_thresholds(Y, P, "f1_micro_macro")
    blend = both(res.thresholds)
    assert res.score == pytest.approx(np.mean(blend))
    assert np.mean(blend) >= max(np.mean(micro), np.mean(macro)) - 1e-12
    assert macro[0] < blend[0] < micro[0]
    assert micro[1] < blend[1] < macro[1]
    assert "f1_micro_macro" in THRESHOLD_SCORINGS


def _global_metrics(zd):
    def micro_macro(Y, D):
        micro = f1_score(Y, D, average="micro", zero_division=zd)
        return (micro + f1_score(Y, D, average="macro", zero_division=zd)) / 2

    return {
        "f1_micro": lambda Y, D: f1_score(Y, D, average="micro", zero_division=zd),
        "f1_micro_macro": micro_macro,
        "f1_samples": lambda Y, D: f1_score(Y, D, average="samples", zero_division=zd),
        "jaccard_samples": lambda Y, D: jaccard_score(
            Y, D, average="samples", zero_division=zd
        ),
    }


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("zd", [0, 1])
@pytest.mark.parametrize(
    "scoring", ["f1_micro", "f1_micro_macro", "f1_samples", "jaccard_samples"]
)
def test_ascent_against_brute_force(scoring, zd, seed):
    """The one ascent, on every global objective: each sweep keeps or raises the
    score, and at convergence no label gains by moving alone (every distinct
    cut of every label tried by brute force)."""
    Y, P = _data(seed + 20, n=30, n_labels=4, decimals=1)
    Y[:3] = 0  # samples without labels: zero_division matters
    metric = _global_metrics(zd)[scoring]
    scores = [
        tune_thresholds(Y, P, scoring, min_positives=0, max_sweeps=k, zero_division=zd)
        for k in range(4)
    ]
    for before, after in zip(scores, scores[1:], strict=False):
        assert after.score >= before.score - 1e-12
    res = tune_thresholds(
        Y, P, scoring, min_positives=0, max_sweeps=50, zero_division=zd
    )
    assert res.n_sweeps < 50  # converged
    assert res.score == pytest.approx(metric(Y, P >= res.thresholds), abs=1e-12)
    for j in range(Y.shape[1]):
        p = P[:, j]
        cands = list(np.unique(p)) + ([np.nextafter(p.max(), 2)] if p.max() < 1 else [])
        t = res.thresholds.copy()
        for c in cands:
            t[j] = c
            assert metric(Y, P >= t) <= res.score + 1e-12


# ---------------------------------------------------------------------------
# scikit-learn's multi-output predict_proba forms (issue 16, item 6)
# ---------------------------------------------------------------------------


def _per_label(P):
    return [np.column_stack([1 - P[:, j], P[:, j]]) for j in range(P.shape[1])]


def _multi_output_proba():
    rng = np.random.default_rng(3)
    Y = (rng.random((80, 3)) < [0.5, 0.3, 0.2]).astype(int)
    P = np.clip(0.5 * Y + 0.5 * rng.random((80, 3)), 0, 1)
    return Y, P


@pytest.mark.parametrize("form", ["list", "stacked", "nested"])
def test_multi_output_proba_forms_match_the_matrix(form):
    Y, P = _multi_output_proba()
    proba = _per_label(P)
    if form == "stacked":
        proba = np.stack(proba)  # (n_labels, n_samples, 2)
    elif form == "nested":
        proba = [p.tolist() for p in proba]
    for scoring in ("f1", "f1_micro"):
        expected = tune_thresholds(Y, P, scoring, min_positives=1)
        got = tune_thresholds(Y, proba, scoring, min_positives=1)
        np.testing.assert_array_equal(got.thresholds, expected.thresholds)
        assert got.score == expected.score
        ts, ss = threshold_curves(Y, proba, scoring, labels=[1])
        ts_m, ss_m = threshold_curves(Y, P, scoring, labels=[1])
        np.testing.assert_array_equal(ts[0], ts_m[0])
        np.testing.assert_array_equal(ss[0], ss_m[0])


def test_label_proba_reads_constant_labels_with_their_classes():
    from sklearn_multilabel_nn._thresholds import label_proba

    n = 4
    proba = [np.full((n, 2), 0.5), np.ones((n, 1)), np.ones((n, 1))]
    out = label_proba(proba, classes=[[0, 1], [0], [1]])
    np.testing.assert_array_equal(out, np.column_stack([[0.5] * n, [0] * n, [1] * n]))
    # Without the classes, one column does not say which constant.
    with pytest.raises(ValueError, match="Label 1 of proba has 1 column"):
        tune_thresholds(np.zeros((n, 3)), proba)
    with pytest.raises(ValueError, match=r"\(n_labels, n_samples, 2\)"):
        tune_thresholds(np.zeros((n, 2)), np.zeros((2, n, 3)))
    # A nested list of rows is still a (n_samples, n_labels) matrix.
    np.testing.assert_array_equal(label_proba([[0.1, 0.2]]), [[0.1, 0.2]])


def test_cross_val_predict_proba_of_a_random_forest():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import KFold, cross_val_predict

    Y, _ = _multi_output_proba()
    rng = np.random.default_rng(4)
    X = Y + rng.normal(scale=0.8, size=Y.shape)
    Y[:60, 2], Y[60:, 2] = 0, 1  # constant in the training data of one fold
    rf = RandomForestClassifier(n_estimators=5, random_state=0)
    with pytest.warns(RuntimeWarning, match="Number of classes in training fold"):
        oof = cross_val_predict(rf, X, Y, cv=KFold(4), method="predict_proba")
    assert isinstance(oof, list) and [p.shape for p in oof] == [(80, 2)] * 3
    P = np.column_stack([p[:, 1] for p in oof])
    for proba in (oof, np.asarray(oof)):
        np.testing.assert_array_equal(
            tune_thresholds(Y, proba, min_positives=1).thresholds,
            tune_thresholds(Y, P, min_positives=1).thresholds,
        )


# ---------------------------------------------------------------------------
# One vocabulary: threshold objectives and scikit-learn's scorer names
# (issue 16, item 6)
# ---------------------------------------------------------------------------


SHARED = ["f1_macro", "f1_micro", "f1_samples", "jaccard_macro", "jaccard_samples"]


def _fixed_decisions(D, classes=None):
    """A fitted classifier whose predict returns ``D``, for scikit-learn's scorers."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Fixed(ClassifierMixin, BaseEstimator):
        def predict(self, X):
            return D

    est = Fixed()
    est.classes_ = np.arange(D.shape[1]) if classes is None else classes
    return est


def test_shared_names_are_the_same_metric_as_scikit_learn_scorers():
    import warnings

    from sklearn.metrics import f1_score, get_scorer, get_scorer_names, jaccard_score

    from sklearn_multilabel_nn._thresholds import score_thresholds

    shared = THRESHOLD_SCORINGS & set(get_scorer_names()) - {"f1", "jaccard"}
    assert sorted(shared) == SHARED
    rng = np.random.default_rng(5)
    Y = (rng.random((60, 4)) < [0.5, 0.2, 0.05, 0.0]).astype(int)
    P = rng.random((60, 4))
    P[:, 3] = 0.1  # a label never true and never predicted: 0/0
    Y[:3] = 0  # rows with no label
    t = np.array([0.5, 0.6, 0.9, 0.5])
    D = (P >= t).astype(int)
    X = np.zeros((60, 1))
    for name in SHARED:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # UndefinedMetricWarning: 0/0 is 0
            expected = get_scorer(name)(_fixed_decisions(D), X, Y)
        assert score_thresholds(Y, P, t, name)[1] == pytest.approx(expected), name
        metric, average = name.split("_")
        func = f1_score if metric == "f1" else jaccard_score
        expected = func(Y, D, average=average, zero_division=1)
        got = score_thresholds(Y, P, t, name, zero_division=1)[1]
        assert got == pytest.approx(expected), name


def test_f1_and_jaccard_are_macro_here_and_binary_in_scikit_learn():
    from sklearn.metrics import get_scorer

    from sklearn_multilabel_nn._thresholds import score_thresholds

    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    P = np.array([[0.9, 0.2], [0.3, 0.6], [0.6, 0.4], [0.7, 0.1]])
    D = (P >= 0.5).astype(int)
    for name in ("f1", "jaccard"):
        ours = score_thresholds(Y, P, 0.5, name)[1]
        assert ours == score_thresholds(Y, P, 0.5, f"{name}_macro")[1]
        with pytest.raises(ValueError, match="average"):  # binary: refuses y
            get_scorer(name)(_fixed_decisions(D), None, Y)
        # On one label the two agree.
        one = get_scorer(name)(
            _fixed_decisions(D[:, 0], np.array([0, 1])), None, Y[:, 0]
        )
        assert score_thresholds(Y[:, :1], P[:, :1], 0.5, name)[1] == one


@pytest.mark.parametrize(
    "name, hint",
    [
        ("f1_weighted", "'f1'"),
        ("jaccard_weighted", "'jaccard'"),
        ("jaccard_micro", "'f1_micro'"),
        ("precision_macro", "FBetaScore"),
        ("recall_samples", "FBetaScore"),
        ("accuracy", "'f1_samples'"),
    ],
)
def test_scikit_learn_names_refused_here_say_what_to_use(name, hint):
    with pytest.raises(ValueError, match="scikit-learn scorer name") as info:
        tune_thresholds([[1], [0]], [[0.8], [0.2]], name)
    assert hint in str(info.value)


def test_thresholds_page_tables_every_name():
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "doc/user_guide/thresholds.rst"
    if not page.is_file():
        pytest.skip("no doc/ folder")
    table = page.read_text().split(".. _scoring_names:")[1].split("The refused")[0]
    names = {
        line.split()[0].strip("`,") for line in table.splitlines() if line[:2] == "``"
    }
    refused = {"f1_weighted", "jaccard_weighted", "jaccard_micro", "precision_*"}
    assert names >= THRESHOLD_SCORINGS | refused | {"recall_*", "accuracy"}


def test_documented_substitutes_for_weighted_and_micro_jaccard():
    from sklearn.metrics import f1_score, jaccard_score

    rng = np.random.default_rng(6)
    Y = (rng.random((80, 3)) < [0.5, 0.3, 0.15]).astype(int)
    P = np.clip(0.4 * Y + 0.6 * rng.random((80, 3)), 0, 1)
    t_f1 = tune_thresholds(Y, P, "f1", min_positives=1).thresholds
    best = f1_score(Y, P >= t_f1, average="weighted", zero_division=0)
    t_micro = tune_thresholds(Y, P, "f1_micro", min_positives=1).thresholds
    best_micro = jaccard_score(Y, P >= t_micro, average="micro")
    for t in rng.random((200, 3)):
        assert f1_score(Y, P >= t, average="weighted", zero_division=0) <= best
        # Coordinate ascent finds a local optimum; random points do not beat it.
        assert jaccard_score(Y, P >= t, average="micro") <= best_micro + 1e-12


@pytest.mark.parametrize("threshold", [float("nan"), -0.1, 1.5])
def test_decode_refuses_a_bad_threshold_even_without_labels(threshold):
    # Found by the adversarial property test: with no labels, a NaN threshold
    # broadcast to no values passed unchecked.
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        decode(np.empty((0, 0)), threshold)
