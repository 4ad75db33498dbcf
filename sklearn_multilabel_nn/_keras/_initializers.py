"""Initial weights without one compiled program per kernel shape.

Keras draws each kernel with ``keras.random.uniform(shape, ...)``, which on
JAX compiles one program per shape (XLA's threefry random bits: 0.3-1 s of
compilation each on CPU, most of a small network's first fit after the
training program). JAX's random bits (partitionable threefry, the default)
do not depend on the array's shape beyond the flat position, so the first
``k`` values of a longer flat draw are exactly the ``k`` values of the
kernel's own draw: drawing flat arrays of a few bucket sizes gives the same
weights, bit for bit, from one program per bucket.

Small kernels (up to ``_HOST_DRAW_MAX`` values) skip even that program: the
same values are computed on the host with NumPy (threefry2x32 as JAX's
partitionable mode counts, then JAX's float conversion), which takes a
millisecond where compiling the draw took 0.15 s of a first fit.
"""

import math

import keras
import numpy as np

_MIN_BUCKET = 4096  # flat values drawn at least (a power of two)
_HOST_DRAW_MAX = 2**17  # values drawn on the host at most (about 5 ms)
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _threefry2x32(key, x0, x1):
    """JAX's threefry2x32 hash of the counter pairs ``(x0, x1)`` (uint32
    arrays) under ``key`` (two uint32), in NumPy."""
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
    ks = (k0, k1, k0 ^ k1 ^ np.uint32(0x1BD11BDA))
    x0, x1 = x0 + ks[0], x1 + ks[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x0 = x0 + x1
            x1 = x0 ^ ((x1 << np.uint32(r)) | (x1 >> np.uint32(32 - r)))
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


def host_uniform(seed, size, minval, maxval):
    """``keras.random.uniform((size,), minval, maxval, seed=seed)`` (float32,
    JAX backend, partitionable threefry) computed with NumPy."""
    counts = np.arange(size, dtype=np.uint32)  # the flat index; its high word is 0
    bits0, bits1 = _threefry2x32((seed & 0xFFFFFFFF, 0), np.zeros_like(counts), counts)
    bits = bits0 ^ bits1
    mantissa = (bits >> np.uint32(9)) | np.uint32(0x3F800000)
    floats = mantissa.view(np.float32) - np.float32(1.0)
    low, high = np.float32(minval), np.float32(maxval)
    # XLA fuses the scaling into one multiply-add (a single rounding): the
    # float64 product of two float32 is exact, so rounding the float64 sum
    # once to float32 gives the same values.
    scaled = floats.astype(np.float64) * np.float64(high - low) + np.float64(low)
    return np.maximum(low, scaled.astype(np.float32))


def _host_draw_ok(size, dtype):
    import jax

    return (
        size <= _HOST_DRAW_MAX
        and keras.backend.backend() == "jax"
        and keras.backend.standardize_dtype(dtype or keras.config.floatx()) == "float32"
        and jax.config.jax_threefry_partitionable
        and jax.config.jax_default_prng_impl == "threefry2x32"
    )


def _bucket(size):
    return max(_MIN_BUCKET, 1 << max(0, size - 1).bit_length())


class GlorotUniform(keras.initializers.GlorotUniform):
    """``keras.initializers.GlorotUniform`` with the same values, drawn from
    a flat bucket-sized draw (see the module's docstring). Other shapes than
    2-D kernels, and seeds that are not plain integers, draw as Keras does.
    The network's config records Keras's own class (see :func:`keras_config`).
    """

    def __call__(self, shape, dtype=None):
        if len(shape) != 2 or not isinstance(self.seed, int):
            return super().__call__(shape, dtype=dtype)
        # As VarianceScaling(scale=1.0, mode="fan_avg", distribution="uniform").
        fan_in, fan_out = shape
        scale = self.scale / max(1.0, (fan_in + fan_out) / 2.0)
        limit = math.sqrt(3.0 * scale)
        size = int(fan_in) * int(fan_out)
        if _host_draw_ok(size, dtype):
            return host_uniform(self.seed, size, -limit, limit).reshape(shape)
        flat = keras.random.uniform(
            (_bucket(size),), minval=-limit, maxval=limit, dtype=dtype, seed=self.seed
        )
        return np.asarray(flat)[:size].reshape(shape)


def keras_config(model):
    """Give the layers of ``model`` Keras's own GlorotUniform back (same
    seed), so configs and saved files name only Keras classes."""
    for layer in model.layers:
        init = getattr(layer, "kernel_initializer", None)
        if type(init) is GlorotUniform:
            config = init.get_config()
            glorot = keras.initializers.GlorotUniform
            layer.kernel_initializer = glorot.from_config(config)
    return model
