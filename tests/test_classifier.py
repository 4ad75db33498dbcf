"""Behaviour of MultiLabelNNClassifier: inputs, outputs, errors, state."""

import copy
import pickle
import random

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from conftest import tiny_clf
from sklearn.model_selection import RepeatedKFold, cross_val_score

from sklearn_multilabel_nn import MultiLabelNNClassifier, decode
from sklearn_multilabel_nn.datasets import _load_default


@pytest.mark.slow  # several fits
def test_seed_workflow_shapes_and_quality():
    # The seed notebook, with fewer folds to keep the suite fast. Its data,
    # make_multilabel_classification(n_samples=1000, n_features=10, n_classes=3,
    # n_labels=2, random_state=1), takes seconds to generate; the package ships
    # it (test_datasets checks that the copy is identical).
    X, y = _load_default()
    clf = MultiLabelNNClassifier(hidden_layer_sizes=(20,), epochs=100, random_state=1)
    cv = RepeatedKFold(n_splits=5, n_repeats=1, random_state=1)
    scores = cross_val_score(clf, X, y, cv=cv, scoring="accuracy")
    assert scores.mean() >= 0.78
    proba = clf.fit(X, y).predict_proba(np.asarray([[3, 3, 6, 7, 8, 2, 11, 11, 1, 3]]))
    assert proba.shape == (1, 3)
    assert np.all((proba >= 0) & (proba <= 1))


def test_fitted_attributes(fitted_clf, multilabel_data):
    X, Y = multilabel_data
    assert fitted_clf.n_features_in_ == X.shape[1]
    assert fitted_clf.n_outputs_ == Y.shape[1]
    np.testing.assert_array_equal(fitted_clf.classes_, np.arange(Y.shape[1]))
    assert len(fitted_clf.history_["loss"]) == fitted_clf.epochs
    assert fitted_clf.loss_curve_ == fitted_clf.history_["loss"]
    assert fitted_clf.loss_curve_[-1] < fitted_clf.loss_curve_[0]
    assert fitted_clf.best_epoch_ == fitted_clf.epochs - 1
    np.testing.assert_array_equal(fitted_clf.thresholds_, np.full(Y.shape[1], 0.5))
    # The network is a real Keras model with one sigmoid per label.
    assert fitted_clf.model_.outputs[0].shape[-1] == Y.shape[1]
    assert fitted_clf.model_.layers[-1].activation.__name__ == "sigmoid"


def test_predict_proba_is_sigmoid_of_decision_function(fitted_clf, multilabel_data):
    X, _ = multilabel_data
    proba = fitted_clf.predict_proba(X)
    logits = fitted_clf.decision_function(X)
    np.testing.assert_allclose(proba, 1 / (1 + np.exp(-logits)), rtol=1e-6)
    # Labels are independent: rows do not sum to one.
    assert not np.allclose(proba.sum(axis=1), 1.0)
    # The Keras model itself gives the same probabilities.
    keras_proba = np.asarray(fitted_clf.model_.predict(X, verbose=0))
    np.testing.assert_allclose(proba, keras_proba, rtol=1e-5, atol=1e-6)


def test_threshold_is_read_at_predict_time(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf().fit(X, Y)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X), (proba >= 0.5).astype(int))
    clf.set_params(threshold=0.2)
    np.testing.assert_array_equal(clf.predict(X), (proba >= 0.2).astype(int))
    per_label = [0.1, 0.9, 0.5, 0.3]
    clf.set_params(threshold=per_label)
    np.testing.assert_array_equal(clf.predict(X), (proba >= per_label).astype(int))
    clf.set_params(threshold=[0.5, 0.5])
    with pytest.raises(ValueError, match="one value per label"):
        clf.predict(X)


@pytest.mark.parametrize("dtype", [bool, np.int8, int, np.float32, float])
def test_indicator_dtypes_give_the_same_model(multilabel_data, fitted_clf, dtype):
    X, Y = multilabel_data
    clf = tiny_clf().fit(X, Y.astype(dtype))
    np.testing.assert_allclose(clf.predict_proba(X), fitted_clf.predict_proba(X))


def test_sparse_and_dataframe_targets(multilabel_data, fitted_clf):
    pd = pytest.importorskip("pandas")
    X, Y = multilabel_data
    expected = fitted_clf.predict_proba(X)
    clf = tiny_clf().fit(X, sp.csr_matrix(Y))
    np.testing.assert_allclose(clf.predict_proba(X), expected)
    frame = pd.DataFrame(Y, columns=["a", "b", "c", "d"])
    clf = tiny_clf().fit(pd.DataFrame(X), frame)
    np.testing.assert_allclose(clf.predict_proba(X), expected)
    assert list(clf.classes_) == ["a", "b", "c", "d"]


def test_label_sets_with_names(multilabel_data):
    X, Y = multilabel_data
    names = np.array(["sports", "politics", "tech", "art"])
    label_sets = [tuple(names[row.astype(bool)]) for row in Y]
    clf = tiny_clf().fit(X, label_sets)
    assert sorted(clf.classes_) == sorted(names)
    pred = clf.predict(X[:5])
    assert isinstance(pred, list) and len(pred) == 5
    assert all(set(p) <= set(names) for p in pred)
    assert 0 <= clf.score(X, label_sets) <= 1


def test_binary_and_multiclass_targets(multilabel_data):
    X, Y = multilabel_data
    y_bin = np.where(Y[:, 0] == 1, "yes", "no")
    clf = tiny_clf().fit(X, y_bin)
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.decision_function(X).shape == (len(X),)
    assert set(clf.predict(X)) <= {"yes", "no"}
    y_multi = Y.argmax(axis=1)
    clf = tiny_clf().fit(X, y_multi)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_constant_labels_are_fine(multilabel_data):
    X, Y = multilabel_data
    Y = Y.copy()
    Y[:, 0], Y[:, 1] = 0, 1
    clf = tiny_clf(epochs=30).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba[:, 0].max() < 0.5 < proba[:, 1].min()


def test_sparse_X_matches_dense(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf().fit(sp.csr_matrix(X), Y)
    # Sparse X is not standardised inside the network (normalize="auto").
    dense = tiny_clf(normalize=False).fit(X, Y)
    np.testing.assert_allclose(
        clf.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=1e-5
    )


@pytest.mark.slow  # several fits
def test_sample_weight_zero_equals_dropping_rows(multilabel_data):
    X, Y = multilabel_data
    weights = np.ones(len(X))
    weights[::3] = 0
    kept = weights > 0
    # Full batch, no shuffle: zero-weight rows must not change the model.
    params = dict(batch_size=1000, shuffle=False, epochs=30, dtype="float64")
    weighted = tiny_clf(**params).fit(X, Y, sample_weight=weights)
    dropped = tiny_clf(**params).fit(X[kept], Y[kept])
    np.testing.assert_allclose(
        weighted.predict_proba(X), dropped.predict_proba(X), rtol=1e-9
    )


@pytest.mark.parametrize(
    "loss, pos_weight", [("focal", None), ("binary_crossentropy", "balanced")]
)
def test_losses_and_pos_weight_train(multilabel_data, loss, pos_weight):
    X, Y = multilabel_data
    clf = tiny_clf(loss=loss, pos_weight=pos_weight).fit(X, Y)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


@pytest.mark.slow  # several fits
def test_balanced_pos_weight_raises_recall_of_rare_label(rng):
    X = rng.normal(size=(400, 5))
    rare = (X[:, 0] + 0.8 * rng.normal(size=400) > 1.6).astype(int)  # ~8% positive
    Y = np.column_stack([rare, (X[:, 1] > 0).astype(int)])
    plain = tiny_clf(epochs=30).fit(X, Y)
    weighted = tiny_clf(epochs=30, pos_weight="balanced").fit(X, Y)
    assert weighted.predict(X)[:, 0].sum() > plain.predict(X)[:, 0].sum()


def test_keras_loss_object_is_accepted(multilabel_data, keras):
    X, Y = multilabel_data
    # The default network ends in a sigmoid Activation, trained through logits.
    clf = tiny_clf(loss=keras.losses.BinaryCrossentropy(from_logits=True))
    assert clf.fit(X, Y).loss_curve_[-1] < clf.loss_curve_[0]


def test_early_stopping_restores_best_epoch(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf(
        early_stopping=True, epochs=300, n_iter_no_change=5, learning_rate_init=0.05
    ).fit(X, Y)
    val = clf.history_["val_loss"]
    assert len(val) == len(clf.loss_curve_) < 300
    assert clf.best_epoch_ == int(np.argmin(val))
    assert len(val) - 1 - clf.best_epoch_ >= 5


def test_partial_fit_and_warm_start(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf()
    for _ in range(3):
        clf.partial_fit(X, Y)
    assert len(clf.loss_curve_) == 3
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :3], Y)
    warm = tiny_clf(warm_start=True, epochs=5).fit(X, Y)
    first = warm.loss_curve_[-1]
    warm.fit(X, Y)
    assert len(warm.loss_curve_) == 10
    assert warm.loss_curve_[-1] < first


def test_verbose_prints_one_line_per_epoch(multilabel_data, capsys):
    X, Y = multilabel_data
    tiny_clf(epochs=3, verbose=1).fit(X, Y)
    out = capsys.readouterr().out
    # The JAX engine prints "Epoch k/n - loss: ..."; Keras's model.fit prints
    # the loss on the line after "Epoch k/n".
    assert len([ln for ln in out.splitlines() if "Epoch" in ln]) == 3
    assert out.count("loss: ") == 3


def test_same_seed_same_model_without_touching_global_state(multilabel_data):
    X, Y = multilabel_data
    np_state, py_state = np.random.get_state()[1].copy(), random.getstate()
    a = tiny_clf(dropout=0.2).fit(X, Y).predict_proba(X)
    b = tiny_clf(dropout=0.2).fit(X, Y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert random.getstate() == py_state
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    c = tiny_clf(dropout=0.2, random_state=1).fit(X, Y).predict_proba(X)
    assert not np.allclose(a, c)


@pytest.mark.parametrize(
    "roundtrip",
    [
        lambda est: pickle.loads(pickle.dumps(est)),
        copy.deepcopy,
        lambda est: joblib.load(_dump(est)),
    ],
    ids=["pickle", "deepcopy", "joblib"],
)
def test_state_round_trips(fitted_clf, multilabel_data, roundtrip):
    X, _ = multilabel_data
    restored = roundtrip(fitted_clf)
    np.testing.assert_array_equal(
        restored.predict_proba(X), fitted_clf.predict_proba(X)
    )
    np.testing.assert_array_equal(restored.predict(X), fitted_clf.predict(X))


def _dump(est):
    import io

    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return buffer


def test_keras_file_round_trip(fitted_clf, multilabel_data, tmp_path):
    import keras

    X, _ = multilabel_data
    path = tmp_path / "model.keras"
    fitted_clf.model_.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(loaded.predict(X, verbose=0)), fitted_clf.predict_proba(X), rtol=1e-5
    )


def _cnn(input_shape, n_outputs):
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(n_outputs, activation="sigmoid"),
        ]
    )


def _logits_mlp(input_shape, n_outputs):
    import keras

    inputs = keras.Input(shape=input_shape)
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_outputs)(hidden))


def _softmax_mlp(input_shape, n_outputs):
    import keras

    inputs = keras.Input(shape=input_shape)
    return keras.Model(
        inputs, keras.layers.Dense(n_outputs, activation="softmax")(inputs)
    )


@pytest.mark.slow  # several fits
def test_custom_cnn_on_images(rng):
    X = rng.random((64, 32, 32, 3)).astype("float32")
    Y = np.column_stack(
        [X[:, :16].mean(axis=(1, 2, 3)) > 0.5, X[..., 0].mean((1, 2)) > 0.5]
    )
    clf = tiny_clf(model=_cnn, epochs=2).fit(X, Y.astype(int))
    assert clf.predict_proba(X).shape == (64, 2)
    assert clf.n_features_in_ == 32
    with pytest.raises(ValueError, match="shape"):
        clf.predict(X[:, :, :16])
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))


def test_custom_model_ending_in_logits(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf(model=_logits_mlp).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba.min() >= 0 and proba.max() <= 1
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_softmax_model_is_refused(multilabel_data):
    X, Y = multilabel_data
    with pytest.raises(ValueError, match="softmax"):
        tiny_clf(model=_softmax_mlp).fit(X, Y)


@pytest.mark.parametrize(
    "X_bad, y_bad, match",
    [
        ("nan", None, "NaN"),
        ("inf", None, "infinity"),
        (None, "twos", "0 and 1"),
        (None, "short", "different numbers of samples|inconsistent"),
        ("empty", None, "0 sample"),
    ],
)
def test_bad_input_raises_and_leaves_estimator_unchanged(
    fitted_clf, multilabel_data, X_bad, y_bad, match
):
    X, Y = multilabel_data
    clf = copy.deepcopy(fitted_clf)
    before = clf.predict_proba(X)
    X2, Y2 = X.copy(), Y.copy()
    if X_bad == "nan":
        X2[0, 0] = np.nan
    elif X_bad == "inf":
        X2[0, 0] = np.inf
    elif X_bad == "empty":
        X2, Y2 = X2[:0], Y2[:0]
    if y_bad == "twos":
        Y2[0, 0] = 2
    elif y_bad == "short":
        Y2 = Y2[:-1]
    with pytest.raises(ValueError, match=match):
        clf.fit(X2, Y2)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_wrong_feature_count_and_parameters(fitted_clf, multilabel_data):
    X, Y = multilabel_data
    with pytest.raises(ValueError, match="features"):
        fitted_clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="epochs"):
        tiny_clf(epochs=0).fit(X, Y)
    with pytest.raises(ValueError, match="activation"):
        tiny_clf(activation="nope").fit(X, Y)
    with pytest.raises(ValueError, match="pos_weight"):
        tiny_clf(pos_weight=[1.0, 2.0]).fit(X, Y)


def test_diverging_training_raises(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf(learning_rate_init=1e30, optimizer="sgd", epochs=5)
    with pytest.raises(FloatingPointError, match="diverged"):
        clf.fit(X * 1e6, Y)
    assert not hasattr(clf, "model_")


@pytest.mark.slow
def test_same_seed_same_probabilities_across_processes(multilabel_data, tmp_path):
    import subprocess
    import sys

    X, Y = multilabel_data
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", Y)
    code = (
        "import sys, numpy as np\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from conftest import tiny_clf\n"
        "X, Y = np.load(sys.argv[1] + '/X.npy'), np.load(sys.argv[1] + '/Y.npy')\n"
        "P = tiny_clf(dropout=0.2).fit(X, Y).predict_proba(X)\n"
        "np.save(sys.argv[1] + '/P.npy', P)\n"
    )
    tests_dir = str(__import__("pathlib").Path(__file__).parent)
    subprocess.run([sys.executable, "-c", code, str(tmp_path), tests_dir], check=True)
    here = tiny_clf(dropout=0.2).fit(X, Y).predict_proba(X)
    np.testing.assert_array_equal(np.load(tmp_path / "P.npy"), here)


def test_dataframe_feature_names(multilabel_data):
    pd = pytest.importorskip("pandas")
    X, Y = multilabel_data
    frame = pd.DataFrame(X, columns=[f"gene{i}" for i in range(X.shape[1])])
    clf = tiny_clf(epochs=2).fit(frame, Y)
    assert list(clf.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"gene0": "other"}))


@pytest.mark.slow  # several fits
def test_auto_thresholds_are_tuned_on_held_out_predictions(rng):
    # Rare labels a 0.5 cut misses: tuning for per-label F1 lowers thresholds.
    X = rng.normal(size=(600, 6))
    Y = np.column_stack(
        [X[:, i] + 0.7 * rng.normal(size=600) > 1.3 for i in range(3)]
    ).astype(int)
    fixed = tiny_clf(epochs=30).fit(X, Y)
    tuned = tiny_clf(epochs=30, threshold="auto", threshold_scoring="f1").fit(X, Y)
    assert tuned.thresholds_.shape == (3,)
    assert np.all(tuned.thresholds_ < 0.5)
    np.testing.assert_array_equal(
        tuned.predict(X), (tuned.predict_proba(X) >= tuned.thresholds_).astype(int)
    )
    from sklearn.metrics import f1_score

    f1 = lambda clf: f1_score(Y, clf.predict(X), average="macro")  # noqa: E731
    assert f1(tuned) > f1(fixed)
    # Without cross-fitting, the held-out validation split is used instead.
    split = tiny_clf(
        epochs=30, threshold="auto", threshold_cv=None, validation_fraction=0.3
    ).fit(X, Y)
    assert split.thresholds_.shape == (3,) and not np.allclose(split.thresholds_, 0.5)
    # set_params(threshold=...) afterwards overrides the tuned values.
    tuned.set_params(threshold=0.5)
    expected = (tuned.predict_proba(X) >= 0.5).astype(int)
    np.testing.assert_array_equal(tuned.predict(X), expected)


def test_min_and_max_labels(fitted_clf, multilabel_data):
    X, _ = multilabel_data
    clf = copy.deepcopy(fitted_clf).set_params(threshold=0.99, min_labels=1)
    assert clf.predict(X).sum(axis=1).min() == 1
    clf.set_params(threshold=0.0, min_labels=0, max_labels=2)
    assert clf.predict(X).sum(axis=1).max() == 2


def test_min_labels_auto_follows_the_training_labels(fitted_clf, multilabel_data):
    X, Y = multilabel_data
    assert not Y.any(axis=1).all() and fitted_clf.min_labels_ == 0
    labelled = Y.any(axis=1)
    clf = tiny_clf(epochs=5).fit(X[labelled], Y[labelled])
    assert clf.min_labels_ == 1
    # Every training sample had a label, so no prediction is empty.
    clf.set_params(threshold=0.99)
    np.testing.assert_array_equal(
        clf.predict(X), decode(clf.predict_proba(X), 0.99, min_labels=1)
    )
    assert clf.predict(X).sum(axis=1).min() == 1
    clf.set_params(min_labels=0)  # read at prediction time
    assert clf.min_labels_ == 0 and clf.predict(X).sum(axis=1).min() == 0
    # partial_fit remembers every batch: one empty set turns the floor off.
    streamed = tiny_clf(min_labels="auto").partial_fit(X[labelled], Y[labelled])
    assert streamed.min_labels_ == 1
    assert streamed.partial_fit(X, Y).min_labels_ == 0


@pytest.mark.slow  # several fits
def test_threshold_bootstrap_bags_the_tuning(monkeypatch, multilabel_data):
    from sklearn_multilabel_nn import _threshold_cv

    X, Y = multilabel_data
    Y = np.column_stack([Y, np.zeros(len(Y), dtype=int)])
    Y[:3, -1] = 1  # a rare label: 3 positives keep 0.5, resampled or not
    calls, original_tune = [], _threshold_cv.tune_thresholds

    def recording_tune(Y_val, scores, *args, **kwargs):
        result = original_tune(Y_val, scores, *args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(_threshold_cv, "tune_thresholds", recording_tune)
    params = dict(threshold="auto", threshold_cv=3, epochs=5)
    clf = tiny_clf(threshold_bootstrap=4, **params).fit(X, Y)
    # One tuning on the out-of-fold scores, then one per resample.
    full, *resampled = calls
    assert len(resampled) == 4
    expected = np.mean([r.thresholds for r in resampled], axis=0)
    np.testing.assert_allclose(clf.thresholds_[:-1], expected[:-1])
    assert not np.allclose(clf.thresholds_[:-1], full.thresholds[:-1])
    assert clf.thresholds_[-1] == 0.5 and not full.tuned[-1]
    # Seeded by random_state; 0 resamples tunes once.
    calls.clear()
    again = tiny_clf(threshold_bootstrap=4, **params).fit(X, Y)
    np.testing.assert_array_equal(again.thresholds_, clf.thresholds_)
    calls.clear()
    once = tiny_clf(threshold_bootstrap=0, **params).fit(X, Y)
    assert len(calls) == 1
    np.testing.assert_array_equal(once.thresholds_, calls[0].thresholds)


def test_auto_thresholds_keep_an_ensemble(multilabel_data):
    import keras

    X, Y = multilabel_data
    clf = tiny_clf(epochs=5, threshold="auto", threshold_cv=3).fit(X, Y)
    assert len(clf.members_) == 3
    assert all(isinstance(m, keras.Model) for m in clf.members_)
    # predict_proba averages the final network and the fold members.
    each = [np.asarray(m.predict(X, verbose=0)) for m in [clf.model_, *clf.members_]]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, np.mean(each, axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        proba, 1 / (1 + np.exp(-clf.decision_function(X))), rtol=1e-5
    )
    np.testing.assert_array_equal(
        clf.predict(X), (proba >= clf.thresholds_).astype(int)
    )
    # Read at prediction time: ensemble=False predicts with the final network.
    single = copy.deepcopy(clf).set_params(ensemble=False)
    np.testing.assert_allclose(single.predict_proba(X), each[0], rtol=1e-5, atol=1e-6)
    # Pickles carry the members.
    restored = pickle.loads(pickle.dumps(clf))
    assert len(restored.members_) == 3
    np.testing.assert_allclose(restored.predict_proba(X), proba, rtol=1e-6)
    # partial_fit trains the final network alone and drops the members; so
    # does a refit without them.
    assert clf.partial_fit(X, Y).members_ == []
    assert tiny_clf(epochs=5, threshold="auto", ensemble=False).fit(X, Y).members_ == []
    assert tiny_clf(epochs=5).fit(X, Y).members_ == []


def test_auto_fold_networks_stop_on_their_held_out_fold(multilabel_data, monkeypatch):
    # threshold="auto" with early stopping: each fold network trains on its
    # training folds and stops on its held-out fold; the final network then
    # trains on all the data for the median of their epoch counts.
    from sklearn_multilabel_nn import _keras

    X, Y = multilabel_data
    calls, original = [], _keras.train

    def recording(network, loss, X_fit, *args, **kwargs):
        history, best_epoch = original(network, loss, X_fit, *args, **kwargs)
        validation, config = kwargs["validation"], kwargs["config"]
        calls.append(
            dict(
                n_fit=len(X_fit),
                n_val=None if validation is None else len(validation[0]),
                early_stopping=config.early_stopping,
                epochs=config.epochs,
                best_epoch=best_epoch,
                ran=len(history["loss"]),
            )
        )
        return history, best_epoch

    monkeypatch.setattr(_keras, "train", recording)
    clf = tiny_clf(
        epochs=40, early_stopping=True, n_iter_no_change=3, threshold="auto",
        threshold_cv=3,
    ).fit(X, Y)  # fmt: skip
    *members, final = calls
    assert len(members) == 3
    for call in members:
        assert call["early_stopping"]
        assert call["n_fit"] + call["n_val"] == len(X)
        assert abs(call["n_val"] - len(X) / 3) <= 2
    expected = int(np.ceil(np.median([c["best_epoch"] + 1 for c in members])))
    assert final == dict(
        n_fit=len(X), n_val=None, early_stopping=False, epochs=expected,
        best_epoch=expected - 1, ran=expected,
    )  # fmt: skip
    assert clf.best_epoch_ == expected - 1 and "val_loss" not in clf.history_


def test_auto_repeats_average_thresholds_over_fold_partitions(
    multilabel_data, monkeypatch
):
    # threshold_cv_repeats=2: two partitions into folds, thresholds tuned on
    # each repeat's out-of-fold scores and averaged, every fold network kept.
    from sklearn_multilabel_nn import _keras, _threshold_cv

    X, Y = multilabel_data
    tuned, original_tune = [], _threshold_cv.tune_thresholds
    trained, original_train = [], _keras.train

    def recording_tune(Y_val, scores, *args, **kwargs):
        result = original_tune(Y_val, scores, *args, **kwargs)
        tuned.append((scores.copy(), result.thresholds))
        return result

    def recording_train(network, loss, X_fit, *args, **kwargs):
        validation = kwargs["validation"]
        trained.append(None if validation is None else validation[0].copy())
        return original_train(network, loss, X_fit, *args, **kwargs)

    monkeypatch.setattr(_threshold_cv, "tune_thresholds", recording_tune)
    monkeypatch.setattr(_keras, "train", recording_train)
    clf = tiny_clf(
        epochs=30, early_stopping=True, n_iter_no_change=3, threshold="auto",
        threshold_cv=3, threshold_cv_repeats=2, threshold_bootstrap=0,
    ).fit(X, Y)  # fmt: skip
    assert len(clf.members_) == 6 and len(trained) == 7
    # Two different partitions: the held-out folds of the repeats differ.
    first = {row.tobytes() for row in trained[0]}
    assert all({row.tobytes() for row in held} != first for held in trained[3:6])
    assert len(tuned) == 2
    (scores_a, thresholds_a), (scores_b, thresholds_b) = tuned
    assert scores_a.shape == scores_b.shape == Y.shape
    assert not np.allclose(scores_a, scores_b)
    np.testing.assert_allclose(clf.thresholds_, (thresholds_a + thresholds_b) / 2)
    # Repeat 0 is exactly what threshold_cv_repeats=1 trains.
    single = tiny_clf(
        epochs=30, early_stopping=True, n_iter_no_change=3, threshold="auto",
        threshold_cv=3, threshold_bootstrap=0,
    ).fit(X, Y)  # fmt: skip
    np.testing.assert_allclose(single.thresholds_, thresholds_a)
    for network, repeated in zip(single.members_, clf.members_[:3], strict=True):
        for a, b in zip(network.get_weights(), repeated.get_weights(), strict=True):
            np.testing.assert_allclose(a, b)


@pytest.mark.slow  # fold networks, one call per epoch
def test_verbose_reports_folds_budget_and_early_stopping(multilabel_data, capsys):
    X, Y = multilabel_data
    tiny_clf(
        epochs=30, early_stopping=True, n_iter_no_change=2, learning_rate_init=0.05,
        threshold="auto", threshold_cv=2, verbose=1,
    ).fit(X, Y)  # fmt: skip
    out = capsys.readouterr().out
    assert out.count("Fold network ") == 2 and "Fold network 2/2" in out
    final = next(line for line in out.splitlines() if line.startswith("Final"))
    assert "epochs=30 was the budget" in final and "fold networks" in final
    assert "Early stopping after epoch" in out
    # One line per epoch, each printed when its epoch ended.
    assert out.count("Epoch 1/30") == 2


def test_float64_pickles_bit_for_bit(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf(epochs=2, dtype="float64").fit(X, Y)
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.model_.weights[0].dtype == "float64"
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


@pytest.mark.slow  # three fits, two programs
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_normalize_makes_the_network_blind_to_feature_scale(multilabel_data):
    """normalize=True standardises inside the network on the training rows,
    so rescaled and shifted features give the same model."""
    X, Y = multilabel_data
    scaled = X * np.linspace(1.0, 1000.0, X.shape[1]) + 50.0
    a = tiny_clf(normalize=True, epochs=5).fit(X, Y).predict_proba(X)
    b = tiny_clf(normalize=True, epochs=5).fit(scaled, Y).predict_proba(scaled)
    np.testing.assert_allclose(a, b, atol=2e-3)
    c = tiny_clf(normalize=False, epochs=5).fit(scaled, Y).predict_proba(scaled)
    assert np.abs(a - c).max() > 0.05


def test_heads_predict_the_mean_of_their_probabilities(multilabel_data):
    X, Y = multilabel_data
    clf = tiny_clf(n_heads=3, epochs=5).fit(X, Y)
    assert type(clf.model_.layers[-1]).__name__ == "MeanProbability"
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(
        proba, np.asarray(clf.model_.predict(X, verbose=0)), rtol=1e-4, atol=1e-6
    )
    logits = clf.decision_function(X)
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), proba, rtol=1e-4)


@pytest.mark.slow  # two fits, two programs
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sparse_X_skips_normalization_embedding_and_heads(multilabel_data):
    """The options that need dense features are left out for sparse X (which
    keeps the engine's sparse fast path); dense X gets them."""
    X, Y = multilabel_data
    options = dict(normalize="auto", feature_embedding="periodic", n_heads=2)
    sparse = tiny_clf(**options, epochs=1).fit(sp.csr_matrix(X), Y)
    dense = tiny_clf(**options, epochs=1).fit(X, Y)
    names = [type(layer).__name__ for layer in sparse.model_.layers]
    assert names == ["InputLayer", "Dense", "Dense", "Activation"]
    names = [type(layer).__name__ for layer in dense.model_.layers]
    assert {"Standardize", "PeriodicEmbedding", "EnsembleScale"} <= set(names)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_auto_embedding_for_continuous_features_only(multilabel_data, rng):
    """feature_embedding="auto" embeds continuous features, not counts."""
    X, Y = multilabel_data  # counts: few distinct values per feature
    continuous = X + rng.normal(size=X.shape)

    def layers(X):
        clf = tiny_clf(epochs=1).fit(X, Y)
        return {type(layer).__name__ for layer in clf.model_.layers}

    assert "PeriodicEmbedding" in layers(continuous)
    assert "PeriodicEmbedding" not in layers(X)
    assert "Standardize" in layers(X)  # normalize="auto"


def test_feature_statistics_read_dense_X_in_bounded_blocks():
    # The weighted means and deviations of the in-network standardisation,
    # computed a block of rows at a time: no float64 copy of the whole of X.
    import tracemalloc

    import sklearn

    from sklearn_multilabel_nn._classifier import _feature_statistics

    rng = np.random.RandomState(0)
    X = (rng.randn(50_000, 20) * 3 + 1).astype(np.float32)
    w = rng.rand(50_000)
    with sklearn.config_context(working_memory=16):
        tracemalloc.start()
        try:
            mean, scale = _feature_statistics(X, w)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < X.nbytes / 4, peak
    expected = np.average(X, axis=0, weights=w)
    np.testing.assert_allclose(mean, expected, rtol=1e-10)
    np.testing.assert_allclose(
        scale, np.sqrt(np.average((X - expected) ** 2, axis=0, weights=w)), rtol=1e-10
    )


def test_partial_fit_warns_on_rows_far_outside_the_first_data(multilabel_data):
    # The network standardises with the first fit's means and scales; rows
    # a million standard deviations away are on another scale, not outliers.
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, Y = multilabel_data
    clf = tiny_clf(epochs=1).partial_fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.partial_fit(X * 3, Y)  # a shift of scale, still the same data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            clf.partial_fit(X * 1e30, Y)
        except FloatingPointError:
            pass  # the training may diverge too: the warning came first
    assert any(
        issubclass(w.category, ConvergenceWarning)
        and "standard deviations" in str(w.message)
        for w in caught
    )
