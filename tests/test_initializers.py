"""Initial weights from one compiled program per bucket, not per shape."""

from contextlib import contextmanager

import numpy as np
import pytest


@pytest.mark.slow  # Keras's own draws, for comparison, compile a program per shape
def test_default_network_draws_kerass_own_weights():
    """The default network's kernels are, bit for bit, what Keras's own
    GlorotUniform draws with the same seeds, and the network's config names
    Keras's class (saved files and program keys stay as before)."""
    import keras

    from sklearn_multilabel_nn._keras import build_mlp

    model = build_mlp((10,), 3, (20,), seed=5)
    kernels = [layer.kernel for layer in model.layers if hasattr(layer, "kernel")]
    for kernel, seed in zip(kernels, (5, 7), strict=True):
        expected = keras.initializers.GlorotUniform(seed=seed)(tuple(kernel.shape))
        np.testing.assert_array_equal(np.asarray(kernel), np.asarray(expected))
    for layer in model.get_config()["layers"]:
        init = layer["config"].get("kernel_initializer")
        if init is not None:
            assert (init["module"], init["class_name"]) == (
                "keras.initializers",
                "GlorotUniform",
            )


@contextmanager
def counted_compiles():
    """The XLA compilations made inside the block, as a list."""
    import jax

    compiles = []

    def listen(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(kwargs)

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        yield compiles
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)


def test_kernels_share_one_compiled_draw(monkeypatch):
    """Kernels too large for the host draw come from one flat bucket:
    nothing is compiled for a new shape (Keras's own draw compiles once per
    shape)."""
    from sklearn_multilabel_nn._keras import _initializers
    from sklearn_multilabel_nn._keras._initializers import GlorotUniform

    monkeypatch.setattr(_initializers, "_HOST_DRAW_MAX", 0)  # the device path
    GlorotUniform(seed=0)((3, 4))  # the bucket's program, compiled once
    with counted_compiles() as compiles:
        for shape in [(5, 6), (7, 11), (40, 2)]:
            GlorotUniform(seed=1)(shape)
    assert compiles == []


@pytest.mark.parametrize("seed", [0, 7, 2**31 + 5])
def test_host_draw_is_kerass_draw_bit_for_bit(seed):
    """Small kernels are drawn with NumPy: the values are exactly those of
    Keras's own uniform draw (JAX's threefry and float conversion)."""
    import keras

    from sklearn_multilabel_nn._keras._initializers import host_uniform

    for size, limit in [(1, 0.5), (333, 0.1), (2**17, 1.7)]:
        expected = keras.random.uniform(
            (size,), minval=-limit, maxval=limit, dtype="float32", seed=seed
        )
        np.testing.assert_array_equal(
            host_uniform(seed, size, -limit, limit), np.asarray(expected)
        )


def test_small_kernels_compile_nothing():
    from sklearn_multilabel_nn._keras._initializers import GlorotUniform

    with counted_compiles() as compiles:
        kernel = GlorotUniform(seed=3)((13, 17))
    assert compiles == []
    assert kernel.shape == (13, 17) and np.abs(kernel).max() <= np.sqrt(6 / 30)
