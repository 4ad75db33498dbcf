"""Tests for ``save`` and ``load``: round trips, and files that must be refused."""

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification

from sklearn_multilabel_nn import MultiLabelNNClassifier, load, save

# Every network but one has the same shapes, so JAX compiles its program once.
TINY = dict(
    hidden_layer_sizes=(8,),
    epochs=3,
    batch_size=16,
    dropout=0.0,
    early_stopping=False,
    random_state=0,
)


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=40, n_features=4, n_classes=3, random_state=0
    )
    return X, Y


@pytest.fixture(scope="module")
def saved(data, tmp_path_factory):
    """A fitted estimator and the file it was saved to."""
    X, Y = data
    clf = MultiLabelNNClassifier(**TINY).fit(X, Y)
    path = tmp_path_factory.mktemp("saved") / "clf.mlnn"
    save(clf, path)
    return clf, path


def assert_same(clf, loaded, X, rtol=0):
    assert type(loaded) is type(clf)
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol)
    expected, got = clf.predict(X), loaded.predict(X)
    if isinstance(expected, list):  # label sets
        assert got == expected
    else:
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == expected.dtype


def round_trip(clf, tmp_path):
    path = tmp_path / "clf.mlnn"
    save(clf, path)
    return load(path)


def test_round_trip_indicator(saved, data):
    clf, path = saved
    loaded = load(path)
    assert_same(clf, loaded, data[0])
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.history_ == clf.history_
    loaded.partial_fit(*data)  # training goes on, with a fresh optimizer
    assert len(loaded.history_["loss"]) == len(clf.history_["loss"]) + 1


@pytest.mark.parametrize("kind", ["label-sets", "multiclass"])
def test_round_trip_targets(kind, data, tmp_path):
    X, Y = data
    names = np.array(["red", "green", "blue"])
    if kind == "label-sets":
        y = [[names[j] for j in np.flatnonzero(row)] for row in Y]
    else:
        y = names[np.argmax(Y * [3, 2, 1] + [[0.5, 0, 0]], axis=1)]
    clf = MultiLabelNNClassifier(**TINY).fit(X, y)
    loaded = round_trip(clf, tmp_path)
    assert_same(clf, loaded, X)
    assert list(loaded.classes_) == list(clf.classes_)


def test_round_trip_auto_threshold_ensemble(data, tmp_path):
    X, Y = data
    clf = MultiLabelNNClassifier(
        **TINY, threshold="auto", threshold_cv=2, threshold_bootstrap=0
    ).fit(X, Y)
    assert len(clf.members_) == 2
    loaded = round_trip(clf, tmp_path)
    assert len(loaded.members_) == 2
    np.testing.assert_array_equal(loaded.thresholds_, clf.thresholds_)
    assert_same(clf, loaded, X)


@pytest.mark.slow  # compiles float64 programs
@pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64:UserWarning")
def test_round_trip_binary_float64(data, tmp_path):
    """1-D binary y and a float64 network (one new program for both)."""
    X, Y = data
    y = np.where(Y[:, 0] == 1, "yes", "no")
    clf = MultiLabelNNClassifier(**TINY, dtype="float64").fit(X, y)
    loaded = round_trip(clf, tmp_path)
    # Bit-equal: the saved float64 weights load in the network's precision.
    assert_same(clf, loaded, X, rtol=0)
    assert loaded.get_params()["dtype"] == "float64"
    assert list(loaded.classes_) == ["no", "yes"]


def test_unstorable_parameter_is_marked(data, tmp_path):
    """A RandomState (like a model function) is not stored; predictions are."""
    X, Y = data
    clf = MultiLabelNNClassifier(**{**TINY, "random_state": None}).fit(X, Y)
    clf.set_params(random_state=np.random.RandomState(0))
    loaded = round_trip(clf, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    marker = loaded.get_params()["random_state"]
    assert "RandomState" in repr(marker)
    with pytest.raises(ValueError, match="set_params"):
        marker()
    round_trip(loaded, tmp_path / "..")  # a loaded estimator saves again


def build_network(input_shape, n_outputs):
    """A custom ``model``: a top-level function, as pickling also needs."""
    import keras

    inputs = keras.Input(shape=input_shape)
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_outputs)(hidden))


@pytest.mark.slow  # a network of its own: one more compiled program
def test_custom_model_is_not_restored(data, tmp_path):
    X, Y = data
    clf = MultiLabelNNClassifier(**TINY, model=build_network).fit(X, Y)
    loaded = round_trip(clf, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert "build_network" in repr(loaded.get_params()["model"])
    with pytest.raises(ValueError, match="set_params"):
        loaded.fit(X, Y)
    loaded.set_params(model=build_network).fit(X, Y)


def test_package_loss_loads_in_safe_mode(tmp_path):
    """A network compiled with the package's registered loss loads safely."""
    import keras

    from sklearn_multilabel_nn import _keras as K
    from sklearn_multilabel_nn._keras._serialize import load_model_file

    network = build_network((4,), 3)
    network.compile(loss=K.make_loss("focal", from_logits=True), optimizer="sgd")
    network.save(tmp_path / "net.keras")
    assert load_model_file(tmp_path / "net.keras").output_shape == (None, 3)
    loaded = keras.saving.load_model(tmp_path / "net.keras", safe_mode=True)
    assert type(loaded.loss).__name__ == "MultiLabelBinaryLoss"


def test_metadata(saved, tmp_path):
    clf, _ = saved
    path = tmp_path / "clf.mlnn"
    save(clf, path, metadata={"feature_names": ["a", "b"]})
    loaded, metadata = load(path, return_metadata=True)
    assert metadata == {"feature_names": ["a", "b"]}
    assert isinstance(loaded, MultiLabelNNClassifier)


def test_manifest(saved):
    _, path = saved
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
    assert manifest["format"] == "sklearn-multilabel-nn"
    assert manifest["format_version"] == 1
    assert manifest["estimator"] == "sklearn_multilabel_nn.MultiLabelNNClassifier"
    assert any(name.endswith(".keras") for name in names)
    assert not any(name.endswith((".pkl", ".pickle", ".joblib")) for name in names)


def test_overwrite(saved, tmp_path):
    clf, _ = saved
    path = tmp_path / "clf.mlnn"
    path.write_text("precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save(clf, path)
    assert path.read_text() == "precious"
    save(clf, path, overwrite=True)
    assert isinstance(load(path), MultiLabelNNClassifier)
    assert os.listdir(tmp_path) == ["clf.mlnn"]  # no temporary file left


def test_save_into_missing_folder(saved, tmp_path):
    clf, _ = saved
    path = tmp_path / "no" / "clf.mlnn"
    with pytest.raises(FileNotFoundError, match="folder .* does not exist"):
        save(clf, path)


def test_unsupported_objects_refused_at_save(saved, tmp_path):
    clf, _ = saved

    class Sub(MultiLabelNNClassifier):
        pass

    with pytest.raises(TypeError, match="save takes"):
        save(Sub(), tmp_path / "sub.mlnn")
    clf.extra_ = {1, 2}  # a set: not in the format
    try:
        with pytest.raises(TypeError, match=r"estimator\.extra_ is builtins\.set"):
            save(clf, tmp_path / "x.mlnn")
    finally:
        del clf.extra_
    assert not os.listdir(tmp_path)


def test_pipeline(tmp_path):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), MultiLabelNNClassifier(**TINY))
    loaded = round_trip(pipe, tmp_path)
    assert [type(step) for _, step in loaded.steps] == [
        StandardScaler,
        MultiLabelNNClassifier,
    ]
    with pytest.raises(TypeError, match="PCA"):
        save(make_pipeline(PCA(), MultiLabelNNClassifier()), tmp_path / "pca.mlnn")


def refused(path):
    with pytest.raises(ValueError) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: not a")
    return message


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.mlnn"
    path.write_bytes(pickle.dumps(_RunsCode(marker)))
    assert "not a zip archive" in refused(path)
    assert not marker.exists()


def write_zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in entries.items():
            text = value if isinstance(value, (str, bytes)) else json.dumps(value)
            archive.writestr(name, text)
    return path


def manifest(**changes):
    return {
        "format": "sklearn-multilabel-nn",
        "format_version": 1,
        "estimator": "sklearn_multilabel_nn.MultiLabelNNClassifier",
        **changes,
    }


@pytest.mark.parametrize("name", ["os.system", "builtins.eval"])
def test_manifest_naming_other_class_is_refused(name, tmp_path):
    state = {"__kind__": "object", "class": name, "state": {}}
    path = write_zip(
        tmp_path / "m.mlnn",
        {"manifest.json": manifest(estimator=name), "state.json": state},
    )
    assert name in refused(path)


def test_state_naming_other_class_is_refused(saved, tmp_path):
    _, good = saved
    with zipfile.ZipFile(good) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    state = json.loads(entries["state.json"])
    state["state"]["evil"] = {"__kind__": "object", "class": "os.system", "state": {}}
    entries["state.json"] = json.dumps(state)
    assert "'os.system'" in refused(write_zip(tmp_path / "m.mlnn", entries))


def test_network_with_code_is_refused(saved, tmp_path):
    """A ``.keras`` entry with a Lambda layer does not load in safe mode."""
    import keras

    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Lambda(lambda x: x * 2)(inputs)
    network = keras.Model(inputs, outputs)
    network.save(tmp_path / "lambda.keras")
    _, good = saved
    with zipfile.ZipFile(good) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    name = next(name for name in entries if name.endswith(".keras"))
    entries[name] = (tmp_path / "lambda.keras").read_bytes()
    assert "safe mode" in refused(write_zip(tmp_path / "m.mlnn", entries))


def test_damaged_files_are_refused(saved, tmp_path):
    _, good = saved
    data = good.read_bytes()
    truncated = tmp_path / "truncated.mlnn"
    truncated.write_bytes(data[: len(data) // 2])
    refused(truncated)
    no_manifest = write_zip(tmp_path / "a.mlnn", {"state.json": {}})
    assert "no manifest.json" in refused(no_manifest)
    version = write_zip(
        tmp_path / "b.mlnn",
        {"manifest.json": manifest(format_version=99), "state.json": {}},
    )
    assert "format version 99" in refused(version)
    other = write_zip(tmp_path / "c.mlnn", {"manifest.json": manifest(format="other")})
    refused(other)
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(good) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    name = next(name for name in entries if name.endswith(".npy"))
    entries[name] = buffer.getvalue()  # an object array needs pickle
    refused(write_zip(tmp_path / "d.mlnn", entries))
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.mlnn")


def test_round_trip_heads_embedding_and_normalization(data, tmp_path):
    """The package's own layers load in Keras's safe mode, weights included."""
    X, Y = data
    clf = MultiLabelNNClassifier(
        **TINY, n_heads=2, feature_embedding="periodic", normalize=True
    ).fit(X, Y)
    loaded = round_trip(clf, tmp_path)
    assert [type(layer).__name__ for layer in loaded.model_.layers] == [
        type(layer).__name__ for layer in clf.model_.layers
    ]
    assert_same(clf, loaded, X)
