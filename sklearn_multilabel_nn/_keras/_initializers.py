"""Initial weights without one compiled program per kernel shape.

Keras draws each kernel with ``keras.random.uniform(shape, ...)``, which on
JAX compiles one program per shape (XLA's threefry random bits: 0.3-1 s of
compilation each on CPU, most of a small network's first fit after the
training program). JAX's random bits (partitionable threefry, the default)
do not depend on the array's shape beyond the flat position, so the first
``k`` values of a longer flat draw are exactly the ``k`` values of the
kernel's own draw: drawing flat arrays of a few bucket sizes gives the same
weights, bit for bit, from one program per bucket.
"""

import math

import keras
import numpy as np

_MIN_BUCKET = 4096  # flat values drawn at least (a power of two)


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
