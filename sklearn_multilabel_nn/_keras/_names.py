"""The Keras names the estimator accepts, without importing Keras.

The estimator's ``_parameter_constraints`` need these tables at import time,
when Keras must not be loaded yet (it picks its backend on import).
"""

#: Hidden-layer activations: Keras names and MLPClassifier's.
ACTIVATIONS = frozenset({
    "relu", "tanh", "logistic", "identity", "sigmoid", "linear",
    "elu", "selu", "gelu", "silu", "swish", "leaky_relu",
})  # fmt: skip

#: Optimizer names resolved with ``keras.optimizers.get``.
OPTIMIZERS = frozenset({
    "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax",
    "nadam", "lion", "ftrl",
})  # fmt: skip

_MLP_ALIASES = {"identity": "linear", "logistic": "sigmoid"}


def keras_activation(name):
    """Map MLPClassifier's activation names onto Keras's."""
    return _MLP_ALIASES.get(name, name)
