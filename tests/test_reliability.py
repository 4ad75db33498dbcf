"""Faults and bad input: a clear error, and nothing already fitted is lost
(issue 14: atomic updates, divergence, float range, custom networks,
threads, degenerate targets, thresholds, process state)."""

import random
import threading

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import tiny_clf
from sklearn.exceptions import ConvergenceWarning, NotFittedError


def _state(clf, X):
    return clf.predict_proba(X), [w.copy() for w in clf.model_.get_weights()]


def _assert_same(before, after):
    np.testing.assert_array_equal(before[0], after[0])
    for a, b in zip(before[1], after[1], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("engine", ["auto", "keras"])
def test_diverging_partial_fit_leaves_weights_unchanged(multilabel_data, engine):
    X, Y = multilabel_data
    clf = tiny_clf(epochs=3, engine=engine).fit(X, Y)
    before = _state(clf, X)
    optimizer = clf._net.optimizer
    iterations = int(optimizer.iterations.numpy())
    with pytest.raises(FloatingPointError, match="diverged"):
        clf.partial_fit(X * 1e30, Y)
    _assert_same(before, _state(clf, X))
    assert clf._net.optimizer is optimizer
    assert int(optimizer.iterations.numpy()) == iterations


def test_interrupted_warm_start_leaves_everything(multilabel_data, monkeypatch):
    from sklearn_multilabel_nn import _keras

    X, Y = multilabel_data
    clf = tiny_clf(epochs=3, warm_start=True).fit(X, Y)
    before, history = _state(clf, X), list(clf.loss_curve_)
    original = _keras.train

    def train_then_interrupt(*args, **kwargs):
        original(*args, **kwargs)  # the weights have moved by now
        raise KeyboardInterrupt

    monkeypatch.setattr(_keras, "train", train_then_interrupt)
    with pytest.raises(KeyboardInterrupt):  # never swallowed
        clf.fit(X, Y)
    monkeypatch.undo()
    _assert_same(before, _state(clf, X))
    assert clf.loss_curve_ == history
    clf.fit(X, Y)  # still usable
    assert len(clf.loss_curve_) == 2 * len(history)


def test_a_fit_that_learned_nothing_warns(multilabel_data):
    X, Y = multilabel_data
    with pytest.warns(ConvergenceWarning, match="frequency"):
        tiny_clf(learning_rate_init=1e3, epochs=5).fit(X, Y)


def test_the_not_learned_check_reads_the_data_in_pieces(multilabel_data, monkeypatch):
    # Its float64 scores would be several times the data on large sets: the
    # rows go through the network in pieces within a share of working_memory.
    from sklearn import config_context

    from sklearn_multilabel_nn import MultiLabelNNClassifier

    X, Y = multilabel_data
    pieces = []
    original = MultiLabelNNClassifier._predict_network

    def recording(self, network, X_part):
        pieces.append(X_part.shape[0])
        return original(self, network, X_part)

    monkeypatch.setattr(MultiLabelNNClassifier, "_predict_network", recording)
    # 64 bytes per label and row, within a sixteenth of the budget: 25 rows.
    with config_context(working_memory=16 * 64 * Y.shape[1] * 25 / 2**20):
        with pytest.warns(ConvergenceWarning, match="frequency") as small:
            tiny_clf(learning_rate_init=1e3, epochs=5).fit(X, Y)
    assert pieces == [25] * (len(X) // 25) + [len(X) % 25] * (len(X) % 25 > 0)
    pieces.clear()
    with pytest.warns(ConvergenceWarning, match="frequency") as whole:
        tiny_clf(learning_rate_init=1e3, epochs=5).fit(X, Y)
    assert pieces == [len(X)]
    assert str(small[0].message) == str(whole[0].message)  # the same losses


@pytest.mark.parametrize(
    "pos_weight", [[1.0, np.nan, 1.0, 1.0], [1.0, -1.0, 1.0, 1.0], [1.0, 2.0], ["a"]]
)
def test_pos_weight_is_validated(multilabel_data, pos_weight):
    X, Y = multilabel_data
    with pytest.raises(ValueError, match="pos_weight must hold 4 positive finite"):
        tiny_clf(pos_weight=pos_weight, epochs=1).fit(X, Y)


@pytest.mark.slow  # several fits
def test_values_beyond_float32_are_refused(multilabel_data, fitted_clf):
    X, Y = multilabel_data
    big = X.copy()
    big[0, 0] = 1e39
    with pytest.raises(ValueError, match="beyond the range"):
        tiny_clf(epochs=1).fit(big, Y)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match="beyond the range"):
            getattr(fitted_clf, method)(big)
    with pytest.raises(ValueError, match="beyond the range"):
        fitted_clf.predict_proba(sp.csr_matrix(big))  # sparse too
    # float64 networks hold them.
    assert np.isfinite(
        tiny_clf(epochs=1, dtype="float64").fit(X, Y).predict_proba(big)
    ).all()


def relu_output(input_shape, n_outputs):
    import keras

    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, keras.layers.Dense(n_outputs, activation="relu")(inputs))


def tanh_output(input_shape, n_outputs):
    import keras

    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, keras.layers.Dense(n_outputs, activation="tanh")(inputs))


@pytest.mark.parametrize("model", [relu_output, tanh_output])
def test_other_output_activations_are_refused(multilabel_data, model):
    X, Y = multilabel_data
    with pytest.raises(ValueError, match="probabilities \\(sigmoid\\) or logits"):
        tiny_clf(model=model).fit(X, Y)


def _scaled_net_factory(scale):
    import keras

    class Scale(keras.layers.Layer):
        """A user's layer whose get_config leaves out its state."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, x):
            return x * self.scale

    def build(input_shape, n_outputs):
        inputs = keras.Input(shape=input_shape)
        return keras.Model(inputs, keras.layers.Dense(n_outputs)(Scale()(inputs)))

    return build


def test_compiled_programs_never_run_another_models_graph(multilabel_data):
    X, Y = multilabel_data
    for scale in (1.0, 100.0):
        clf = tiny_clf(model=_scaled_net_factory(scale), epochs=2).fit(X, Y)
        direct = 1 / (1 + np.exp(-np.asarray(clf.model_(X.astype("float32")))))
        np.testing.assert_allclose(clf.predict_proba(X), direct, rtol=1e-5, atol=1e-6)


@pytest.mark.slow  # several fits
def test_keras_engine_predicts_from_many_threads(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf(engine="keras", epochs=2).fit(X, Y)
    expected = clf.predict_proba(X)
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(clf.predict_proba(X))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for got in results:
        np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.slow  # several fits
def test_degenerate_targets(multilabel_data):
    X, Y = multilabel_data
    one_class = tiny_clf(epochs=1).fit(X, np.full(len(X), "only"))
    assert set(one_class.predict(X)) == {"only"}
    assert one_class.predict_proba(X).shape == (len(X), 1)
    assert one_class.score(X, np.full(len(X), "only")) == 1.0
    with pytest.raises(ValueError, match="every label set is empty"):
        tiny_clf(epochs=1).fit(X, [()] * len(X))
    # An (n, 1) indicator is a 1-D binary target, as in scikit-learn.
    column = tiny_clf(epochs=1).fit(X, Y[:, :1])
    assert column.predict(X).shape == (len(X),)
    never = Y.copy()
    never[:, 2] = 0
    clf = tiny_clf(epochs=1, threshold="auto", threshold_cv=2).fit(X, never)
    assert clf.thresholds_[2] == 0.5  # too few positives: not tuned


def test_thresholds_are_what_predict_applies(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf(epochs=2).fit(X, Y)
    clf.set_params(threshold=0.2)
    np.testing.assert_array_equal(clf.thresholds_, np.full(4, 0.2))
    np.testing.assert_array_equal(
        clf.predict(X), (clf.predict_proba(X) >= 0.2).astype(int)
    )
    clf.set_params(threshold="auto")
    with pytest.raises(NotFittedError, match="refit it to tune thresholds"):
        clf.predict(X)
    with pytest.raises(NotFittedError, match="refit"):
        clf.thresholds_  # noqa: B018
    tuned = tiny_clf(epochs=2, threshold="auto", threshold_cv=2).fit(X, Y)
    auto = tuned.thresholds_.copy()
    tuned.set_params(threshold=0.3)
    np.testing.assert_array_equal(tuned.thresholds_, np.full(4, 0.3))
    tuned.set_params(threshold="auto")
    np.testing.assert_array_equal(tuned.thresholds_, auto)


@pytest.mark.slow  # several fits
def test_fit_leaves_global_random_states_alone(multilabel_data):
    X, Y = multilabel_data
    np_state, py_state = np.random.get_state(), random.getstate()
    tiny_clf(epochs=2, dropout=0.2, threshold="auto", threshold_cv=2).fit(X, Y)
    after = np.random.get_state()
    assert py_state == random.getstate()
    assert all(np.array_equal(a, b) for a, b in zip(np_state, after, strict=True))


@pytest.mark.slow  # several fits
def test_the_engine_leaves_the_users_compiled_functions(multilabel_data, monkeypatch):
    import jax

    from sklearn_multilabel_nn._keras import _programs

    X, Y = multilabel_data
    users = jax.jit(lambda x: x * 2)
    users(np.ones(3))
    monkeypatch.setattr(_programs, "_MAX_SHAPES", 1)
    for n in (60, 130, 200):
        tiny_clf(epochs=1).fit(X[:n], Y[:n])
    assert users._cache_size() == 1
