"""Keras layers of the default network: input standardisation, numerical
feature embeddings and TabM's parameter-efficient ensemble.

Every layer computes only from its config and its weights (no Python-side
state), which is what lets the JAX engine share one compiled program between
networks of the same architecture (see ``_programs._built_in``). They are
registered with Keras, so networks using them save and load as ``.keras``
files (in safe mode too: no code travels in the file).

TabM (Gorishniy et al., ICLR 2025) imitates an ensemble of ``k`` MLPs in one
network: the input is copied to ``k`` heads, each head scales it by its own
vector (a rank-1 "BatchEnsemble" adapter, here on the first layer only: the
TabM-mini variant), the hidden layers are shared, and each head has its own
output layer. The heads are trained together, each on its own loss, and
predict the mean of their probabilities.
"""

import math

import keras
import numpy as np
from keras import ops

_PACKAGE = "sklearn_multilabel_nn"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Standardize(keras.layers.Layer):
    """``(x - mean) / scale`` per feature, with statistics set from data.

    Unlike ``keras.layers.Normalization``, whose adapted statistics are
    cached as constants outside its variables, ``mean`` and ``scale`` are
    ordinary non-trainable weights read at every call: they are saved with
    the network and follow it through the JAX engine's stateless calls.
    Set them with :meth:`set_statistics` (or ``set_weights``).
    """

    def build(self, input_shape):
        shape = (int(input_shape[-1]),)
        self.mean = self.add_weight(
            name="mean", shape=shape, initializer="zeros", trainable=False
        )
        self.scale = self.add_weight(
            name="scale", shape=shape, initializer="ones", trainable=False
        )

    def set_statistics(self, mean, scale):
        """Set the feature means and scales (zero scales count as one)."""
        scale = np.where(np.asarray(scale) > 0, scale, 1.0)
        self.mean.assign(np.asarray(mean, dtype=self.mean.dtype))
        self.scale.assign(np.asarray(scale, dtype=self.scale.dtype))

    def call(self, inputs):
        return (inputs - self.mean) / self.scale

    def compute_output_shape(self, input_shape):
        # Keras would otherwise trace ``call`` to learn the shape: 6 ms a build.
        return tuple(input_shape)


def _mask_lanes(keep_prob):
    """``(bits, threshold)``: the fewest random bits (8 or 16) per unit
    whose integers ``< threshold`` have probability exactly ``keep_prob``;
    None when neither width expresses it exactly."""
    for bits in (8, 16):
        scaled = keep_prob * (1 << bits)
        if scaled == int(scaled):
            return bits, int(scaled)
    return None


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Dropout(keras.layers.Dropout):
    """``keras.layers.Dropout`` whose masks, on JAX, use 8 or 16 random bits
    per unit instead of a 32-bit uniform float: one 32-bit draw makes four
    (or two) keep/drop decisions, which cuts the random-number work that
    dominates dropout on small networks (rate 0.5: a quarter of the draws;
    the default network's epoch on yeast: 15.5 to 12.9 ms). The keep
    probability is exact; a rate that 16 bits cannot express exactly (0.2,
    say), a ``noise_shape`` or another backend use Keras's own masks.
    """

    def call(self, inputs, training=False):
        lanes = None
        if training and 0 < self.rate < 1 and self.noise_shape is None:
            lanes = _mask_lanes(1.0 - self.rate)
        if lanes is None or keras.backend.backend() != "jax":
            return super().call(inputs, training=training)
        import jax
        import jax.numpy as jnp

        bits, threshold = lanes
        per_word = 32 // bits
        size = math.prod(inputs.shape)
        words = jax.random.bits(
            self.seed_generator.next(), (-(-size // per_word),), jnp.uint32
        )
        lane = jnp.uint8 if bits == 8 else jnp.uint16
        values = jax.lax.bitcast_convert_type(words, lane)  # (words, per_word)
        keep = (values.reshape(-1)[:size] < threshold).reshape(inputs.shape)
        keep_prob = 1.0 - self.rate
        return jax.lax.select(keep, inputs / keep_prob, jnp.zeros_like(inputs))


def _cos_sin_of_turns(t):
    """``cos(2 pi t)`` and ``sin(2 pi t)`` from one shared range reduction:
    ``t`` less its nearest quarter turn leaves an angle within pi/4, where
    degree-9 (sine) and degree-8 (cosine) Taylor polynomials are exact to
    float32 rounding, and the quarter turn swaps and negates them. XLA's
    CPU sine and cosine cost about 10 ns a value and reduce the range twice:
    this is four times faster, and more accurate than ``cos(2 pi t)`` of a
    rounded ``2 pi t`` (within 1e-7 of the exact values of its float32 ``t``).
    Backend-neutral (``keras.ops``); gradients flow through the polynomials.
    """
    quarters = ops.stop_gradient(ops.round(4.0 * t))
    angle = (2.0 * math.pi) * (t - 0.25 * quarters)
    z = angle * angle
    sin = angle * (1.0 + z * (-1 / 6 + z * (1 / 120 + z * (-1 / 5040 + z / 362880))))
    cos = 1.0 + z * (-1 / 2 + z * (1 / 24 + z * (-1 / 720 + z / 40320)))
    quadrant = quarters - 4.0 * ops.floor(quarters / 4.0)  # 0, 1, 2 or 3
    odd = ops.logical_or(ops.equal(quadrant, 1.0), ops.equal(quadrant, 3.0))
    cos_sign = ops.where(
        ops.logical_or(ops.equal(quadrant, 1.0), ops.equal(quadrant, 2.0)), -1.0, 1.0
    )
    sin_sign = ops.where(ops.greater_equal(quadrant, 2.0), -1.0, 1.0)
    return (
        ops.where(odd, sin, cos) * ops.cast(cos_sign, t.dtype),
        ops.where(odd, cos, sin) * ops.cast(sin_sign, t.dtype),
    )


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PeriodicEmbedding(keras.layers.Layer):
    """Periodic embeddings of numerical features ("PLR", Gorishniy et al.
    2022): each feature ``x_j`` becomes ``ReLU(W [cos(2 pi f_j x_j),
    sin(2 pi f_j x_j)] + b)`` with ``n_frequencies`` trainable frequencies
    ``f_j`` per feature (initialised from N(0, ``sigma``)) and a linear map to
    ``embedding_dim`` shared by all features (the "lite" variant). Output:
    ``(batch, n_features * embedding_dim)``.
    """

    def __init__(self, n_frequencies=16, sigma=0.1, embedding_dim=16, seed=None,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.n_frequencies = int(n_frequencies)
        self.sigma = float(sigma)
        self.embedding_dim = int(embedding_dim)
        self.seed = seed

    def build(self, input_shape):
        n_features = int(input_shape[-1])
        self.n_features = n_features
        self.frequencies = self.add_weight(
            name="frequencies",
            shape=(n_features, self.n_frequencies),
            initializer=keras.initializers.RandomNormal(
                stddev=self.sigma, seed=self.seed
            ),
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(2 * self.n_frequencies, self.embedding_dim),
            initializer=keras.initializers.GlorotUniform(
                seed=None if self.seed is None else self.seed + 1
            ),
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.embedding_dim,), initializer="zeros"
        )

    def call(self, inputs):
        cos, sin = _cos_sin_of_turns(inputs[..., None] * self.frequencies)
        v = ops.concatenate([cos, sin], axis=-1)
        v = ops.relu(ops.matmul(v, self.kernel) + self.bias)
        return ops.reshape(v, (-1, self.n_features * self.embedding_dim))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], int(input_shape[-1]) * self.embedding_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "n_frequencies": self.n_frequencies,
            "sigma": self.sigma,
            "embedding_dim": self.embedding_dim,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class EnsembleScale(keras.layers.Layer):
    """Copy a ``(batch, d)`` input to ``k`` heads, each scaled by its own
    trainable vector: ``(batch, k, d)``. TabM's rank-1 input adapter,
    initialised with random signs (``"random_signs"``, which makes the heads
    differ from the first step) or ones."""

    def __init__(self, k, initializer="random_signs", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.k = int(k)
        self.initializer = initializer
        self.seed = seed

    def build(self, input_shape):
        d = int(input_shape[-1])
        init = "ones"
        if self.initializer == "random_signs":
            signs = np.random.default_rng(self.seed).choice([-1.0, 1.0], (self.k, d))
            init = keras.initializers.Constant(signs)
        self.scale = self.add_weight(name="scale", shape=(self.k, d), initializer=init)

    def call(self, inputs):
        return inputs[:, None, :] * self.scale

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.k, input_shape[-1])

    def get_config(self):
        return {
            **super().get_config(),
            "k": self.k,
            "initializer": self.initializer,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class EnsembleDense(keras.layers.Layer):
    """``k`` separate dense layers, one per head: ``(batch, k, d)`` to
    ``(batch, k, units)``. TabM's output layer (each head its own)."""

    def __init__(self, units, kernel_regularizer=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.seed = seed

    def build(self, input_shape):
        k, d = int(input_shape[-2]), int(input_shape[-1])
        limit = math.sqrt(6.0 / (d + self.units))  # Glorot, per head
        self.kernel = self.add_weight(
            name="kernel",
            shape=(k, d, self.units),
            initializer=keras.initializers.RandomUniform(-limit, limit, seed=self.seed),
            regularizer=self.kernel_regularizer,
        )
        self.bias = self.add_weight(
            name="bias", shape=(k, self.units), initializer="zeros"
        )

    def call(self, inputs):
        return ops.einsum("bkd,kdu->bku", inputs, self.kernel) + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class MeanProbability(keras.layers.Layer):
    """The ensemble's prediction: the mean over heads (axis 1) of the
    sigmoid of each head's logits, ``(batch, k, n)`` to ``(batch, n)``.
    The engine trains on the per-head logits before this layer."""

    def call(self, inputs):
        return ops.mean(ops.sigmoid(inputs), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
