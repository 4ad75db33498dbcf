"""The Keras boundary: builder, losses, serialisation, backends."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sklearn_multilabel_nn import _keras as K


def test_default_builder_shapes_and_sigmoid():
    model = K.build_mlp((7,), 3, (5, 4), dropout=0.1, seed=0)
    assert model.outputs[0].shape[-1] == 3
    assert model.layers[-1].activation.__name__ == "sigmoid"
    proba = np.asarray(model.predict(np.zeros((2, 7)), verbose=0))
    assert proba.shape == (2, 3) and np.all((proba > 0) & (proba < 1))
    # The engine trains through a view that outputs the exact logits.
    network = K.check_model(model, (7,), 3)
    assert network.model is model and network.from_logits
    assert network.logits.outputs[0].shape[-1] == 3
    assert len(network.logits.trainable_variables) == len(model.trainable_variables)


def test_same_seed_same_weights():
    a = K.build_mlp((4,), 2, (3,), seed=3).get_weights()
    b = K.build_mlp((4,), 2, (3,), seed=3).get_weights()
    c = K.build_mlp((4,), 2, (3,), seed=4).get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_loss_matches_keras_binary_crossentropy():
    import keras

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(6, 4)).astype("float32")
    logits = rng.normal(size=(6, 4)).astype("float32")
    ours = K.make_loss("binary_crossentropy", from_logits=True)(y, logits)
    ref = keras.losses.BinaryCrossentropy(from_logits=True)(y, logits)
    np.testing.assert_allclose(float(ours), float(ref), rtol=1e-5)
    # pos_weight scales the positive term only.
    heavy = K.make_loss("binary_crossentropy", from_logits=True, pos_weight=[3.0] * 4)
    assert float(heavy(y, logits)) > float(ours)
    focal = K.make_loss("focal", from_logits=True)(y, logits)
    assert 0 < float(focal) < float(ours)


def test_model_bytes_round_trip():
    model = K.build_mlp((3,), 2, (4,), seed=0)
    restored = K.model_from_bytes(K.model_to_bytes(model))
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(
        np.asarray(restored.predict(x, verbose=0)),
        np.asarray(model.predict(x, verbose=0)),
    )


def _run(code, **env):
    full_env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=full_env, timeout=300,
    )  # fmt: skip


@pytest.mark.slow
def test_jax_is_the_default_backend_when_the_user_chose_nothing(tmp_path):
    result = _run(
        """
        from sklearn_multilabel_nn import _keras
        import keras
        print(keras.backend.backend())
        """,
        KERAS_HOME=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "jax"


@pytest.mark.slow
def test_user_keras_json_is_respected(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "numpy"}))
    result = _run(
        "from sklearn_multilabel_nn import _keras\nimport keras\n"
        "print(keras.backend.backend())",
        KERAS_HOME=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "numpy"


_SMOKE = """
import numpy as np, keras
from sklearn.datasets import make_multilabel_classification
from sklearn_multilabel_nn import MultiLabelNNClassifier
X, Y = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
clf = MultiLabelNNClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0)
clf.fit(X, Y)
assert keras.backend.backend() == "{backend}", keras.backend.backend()
assert clf.predict_proba(X).shape == (60, 3)
print("ok", len(clf.loss_curve_))
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend, module", [("torch", "torch"), ("tensorflow", "tensorflow")]
)
def test_other_backends_smoke(backend, module, tmp_path):
    pytest.importorskip(module)
    result = _run(_SMOKE.format(backend=backend), KERAS_BACKEND=backend,
                  KERAS_HOME=str(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == ["ok", "3"]


def test_ensemble_heads_train_on_their_own_losses_and_predict_the_mean():
    """TabM heads: per-head logits for training (the loss is the mean of the
    heads' losses), the mean of the heads' probabilities as output."""
    from keras import ops

    model = K.build_mlp((5,), 3, (4,), n_heads=4, seed=0)
    network = K.check_model(model, (5,), 3)
    assert network.from_logits and tuple(network.logits.outputs[0].shape) == (
        None, 4, 3,
    )  # fmt: skip
    x = np.random.default_rng(0).normal(size=(6, 5)).astype("float32")
    logits = np.asarray(network.logits.predict(x, verbose=0))
    proba = np.asarray(model.predict(x, verbose=0))
    np.testing.assert_allclose(proba, (1 / (1 + np.exp(-logits))).mean(1), rtol=1e-5)
    y = (proba > 0.5).astype("float32")
    loss = K.make_loss("binary_crossentropy", from_logits=True)
    per_head = [float(loss(y, logits[:, h])) for h in range(4)]
    np.testing.assert_allclose(float(loss(y, logits)), np.mean(per_head), rtol=1e-5)
    # The heads differ from the start (random-sign input adapters).
    assert not np.allclose(logits[:, 0], logits[:, 1])
    assert ops.shape(model.layers[1].scale) == (4, 5)


def test_standardize_and_embedding_layers_round_trip():
    mean, scale = np.arange(3.0), np.array([2.0, 0.0, 4.0])
    model = K.build_mlp(
        (3,), 2, (4,), statistics=(mean, scale), embedding=(2, 0.1, 3), seed=0
    )
    standardize = model.get_layer("standardize")
    x = np.array([[2.0, 5.0, 6.0]], dtype="float32")
    # A zero scale (a constant feature) counts as one.
    np.testing.assert_allclose(np.asarray(standardize(x)), [[1.0, 4.0, 1.0]])
    assert model.layers[2].compute_output_shape((None, 3)) == (None, 9)
    restored = K.model_from_bytes(K.model_to_bytes(model))
    expected = np.asarray(model.predict(x, verbose=0))
    np.testing.assert_allclose(np.asarray(restored.predict(x, verbose=0)), expected)


def test_package_layers_share_compiled_programs():
    """Networks of the package's layers that differ only in seeds and weights
    reuse one compiled program (the cache's key ignores seeds)."""
    from sklearn_multilabel_nn._keras import _programs

    def build(seed, mean):
        return K.build_mlp(
            (3,), 2, (4,), n_heads=2, statistics=(mean, np.ones(3)), seed=seed,
            embedding=(2, 0.1, 2),
        )  # fmt: skip

    a, b = build(0, np.zeros(3)), build(1, np.ones(3))
    assert _programs._built_in(a)
    assert _programs._model_key(a) == _programs._model_key(b)


@pytest.mark.parametrize("rate", [0.5, 0.25, 0.75, 0.2])
def test_dropout_keeps_each_unit_with_the_exact_probability(rate):
    # Masks made from 8 or 16 random bits per unit (dyadic rates) keep a unit
    # with probability 1 - rate, scale kept units as Keras does, and differ
    # between calls; rate 0.2 takes Keras's own masks.
    import keras

    from sklearn_multilabel_nn._keras import _layers

    layer = _layers.Dropout(rate, seed=0)
    x = np.ones((1000, 100), dtype="float32")
    first = np.asarray(layer(x, training=True))
    second = np.asarray(layer(x, training=True))
    kept = first != 0
    np.testing.assert_allclose(first[kept], 1.0 / (1.0 - rate), rtol=1e-6)
    # 100,000 units: the kept fraction lies within 5 standard errors.
    tolerance = 5 * np.sqrt(rate * (1 - rate) / x.size)
    assert abs(kept.mean() - (1 - rate)) < tolerance
    assert (first != second).any()
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    # Rows and columns are not correlated (each unit has its own bits).
    assert abs(np.corrcoef(kept[:, 0], kept[:, 1])[0, 1]) < 0.15
    if _layers._mask_lanes(1 - rate) is None:
        reference = keras.layers.Dropout(rate, seed=0)
        np.testing.assert_array_equal(
            np.asarray(_layers.Dropout(rate, seed=0)(x, training=True)),
            np.asarray(reference(x, training=True)),
        )


def test_networks_with_dropout_round_trip_in_safe_mode():
    model = K.build_mlp((3,), 2, (4,), dropout=0.5, seed=0)
    assert any(type(layer).__name__ == "Dropout" for layer in model.layers)
    restored = K.model_from_bytes(K.model_to_bytes(model))
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(
        np.asarray(restored.predict(x, verbose=0)),
        np.asarray(model.predict(x, verbose=0)),
    )


def test_periodic_embedding_cosines_and_sines_are_exact_to_float32():
    # One shared range reduction and short polynomials (four times faster
    # than XLA's CPU cos and sin): within 2e-7 of the exact values for every
    # quarter turn, negative arguments and the quadrant boundaries included.
    import jax

    from sklearn_multilabel_nn._keras._layers import _cos_sin_of_turns

    t = np.concatenate(
        [np.linspace(-7.3, 7.3, 20001), np.arange(-12, 13) / 8.0, [0.125, -0.375]]
    ).astype("float32")
    cos, sin = (np.asarray(v) for v in _cos_sin_of_turns(t))
    exact = 2 * np.pi * t.astype(np.float64)
    np.testing.assert_allclose(cos, np.cos(exact), atol=2e-7)
    np.testing.assert_allclose(sin, np.sin(exact), atol=2e-7)
    # The gradients are those of cos(2 pi t) and sin(2 pi t).
    grad_cos = jax.vmap(jax.grad(lambda u: _cos_sin_of_turns(u)[0]))(t)
    grad_sin = jax.vmap(jax.grad(lambda u: _cos_sin_of_turns(u)[1]))(t)
    np.testing.assert_allclose(grad_cos, -2 * np.pi * np.sin(exact), atol=5e-6)
    np.testing.assert_allclose(grad_sin, 2 * np.pi * np.cos(exact), atol=5e-6)
