"""Network building blocks: the default MLP, output-layer checks, the losses
and the optimizers."""

import random
from contextlib import contextmanager

import keras
import numpy as np
from keras import ops

from ._config import Network
from ._initializers import GlorotUniform, keras_config
from ._names import keras_activation  # noqa: F401  (re-exported)

# Where the engine feeds sparse batches (the JAX fast path, as BCOO).
_SPARSE_BACKENDS = ("jax",)


def build_mlp(
    input_shape,
    n_outputs,
    hidden_layer_sizes=(100,),
    *,
    activation="relu",
    dropout=0.0,
    alpha=0.0,
    n_heads=1,
    embedding=None,
    statistics=None,
    seed=0,
    dtype="float32",
    sparse=False,
):
    """The default network: Dense hidden layers, then one sigmoid per label.

    Every random piece (initialisers, dropout) gets its own explicit seed, so
    the same ``seed`` gives the same network without touching global state.
    ``sparse=True`` declares a sparse input where the backend has sparse
    tensors: Keras otherwise densifies a sparse batch before the first layer.
    Dense input is still accepted.

    ``statistics=(mean, scale)`` standardises the input inside the network
    (a :class:`Standardize` layer); ``embedding=(n_frequencies, sigma,
    embedding_dim)`` embeds each feature periodically
    (:class:`PeriodicEmbedding`); ``n_heads > 1`` makes the network a TabM-mini
    ensemble: the (embedded) input copied to ``n_heads`` heads, each scaled by
    its own vector (:class:`EnsembleScale`), shared hidden layers, one output
    layer per head (:class:`EnsembleDense`) and the mean of the heads'
    probabilities as output (:class:`MeanProbability`). All three need a 1-D
    dense input.
    """
    from . import _layers

    regularizer = keras.regularizers.L2(alpha) if alpha > 0 else None
    if np.ndim(dropout) == 0:
        dropout = [dropout] * len(hidden_layer_sizes)
    flat = len(input_shape) == 1
    sparse = bool(sparse) and flat
    sparse = sparse and keras.backend.backend() in _SPARSE_BACKENDS
    x = inputs = keras.Input(shape=tuple(input_shape), dtype=dtype, sparse=sparse)
    if not flat:
        x = keras.layers.Flatten(dtype=dtype)(x)
    if statistics is not None:
        standardize = _layers.Standardize(dtype=dtype, name="standardize")
        x = standardize(x)
        standardize.set_statistics(*statistics)
    if embedding is not None:
        n_frequencies, sigma, dim = embedding
        x = _layers.PeriodicEmbedding(
            n_frequencies, sigma, dim, seed=seed + 1000, dtype=dtype
        )(x)
    if n_heads > 1:
        x = _layers.EnsembleScale(n_heads, seed=seed + 1001, dtype=dtype)(x)
    for i, (units, rate) in enumerate(zip(hidden_layer_sizes, dropout, strict=True)):
        x = keras.layers.Dense(
            units,
            activation=activation,
            kernel_regularizer=regularizer,
            kernel_initializer=GlorotUniform(seed=seed + 2 * i),
            dtype=dtype,
        )(x)
        if rate > 0:
            x = _layers.Dropout(rate, seed=seed + 2 * i + 1, dtype=dtype)(x)
    last_seed = seed + 2 * len(hidden_layer_sizes)
    if n_heads > 1:
        logits = _layers.EnsembleDense(
            n_outputs, kernel_regularizer=regularizer, seed=last_seed,
            name="logits", dtype=dtype,
        )(x)  # fmt: skip
        outputs = _layers.MeanProbability(name="probabilities", dtype=dtype)(logits)
        return keras_config(keras.Model(inputs, outputs))
    logits = keras.layers.Dense(
        n_outputs,
        kernel_regularizer=regularizer,
        kernel_initializer=GlorotUniform(seed=last_seed),
        name="logits",
        dtype=dtype,
    )(x)
    # A separate sigmoid layer: the engine trains on the exact logits before it.
    outputs = keras.layers.Activation("sigmoid", name="probabilities", dtype=dtype)(
        logits
    )
    return keras_config(keras.Model(inputs, outputs))


@contextmanager
def seeded_keras(seed):
    """Make unseeded Keras layers and initialisers reproducible, scoped.

    Keras draws the default seed of an unseeded initialiser or dropout layer
    from Python's ``random`` module; we seed it for the duration of the build
    and then give the user back their own random state.
    """
    state = random.getstate()
    random.seed(int(seed))
    try:
        yield
    finally:
        random.setstate(state)


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return getattr(activation, "__name__", type(activation).__name__).lower()


def check_model(model, input_shape, n_outputs):
    """Validate a network; return the :class:`Network` to train it with.

    A network ending in an ``Activation("sigmoid")`` layer (the default MLP)
    is trained through a view that stops before that layer, so the loss and
    ``decision_function`` see exact logits. One ending in
    ``Dense(n, activation="sigmoid")`` outputs probabilities, which the loss
    clips as Keras does. Anything else with a linear output gives logits.
    A softmax is refused: it makes the labels compete. A network ending in
    :class:`MeanProbability` (an ensemble of heads) trains on the per-head
    logits of shape (batch, heads, n_outputs) before it.
    """
    from . import _layers

    if not isinstance(model, keras.Model):
        raise ValueError(
            f"The model callable must return a keras.Model; got {type(model)!r}."
        )
    out_shape = tuple(model.outputs[0].shape) if model.outputs else None
    if out_shape is not None and (len(out_shape) != 2 or out_shape[-1] != n_outputs):
        raise ValueError(
            f"The network must output shape (batch, {n_outputs}) for {n_outputs} "
            f"output(s); it outputs {out_shape}."
        )
    last = model.layers[-1] if model.layers else None
    if isinstance(last, _layers.MeanProbability) and model.inputs:
        # An ensemble of heads: each head trains on its own logits.
        return Network(model, keras.Model(model.inputs, last.input), True)
    name = _activation_name(last) if last is not None else None
    if name == "softmax":
        raise ValueError(
            "The network ends in a softmax, which makes labels compete; use "
            "Dense(n_outputs, activation='sigmoid') or a linear layer (logits)."
        )
    if name not in (None, "linear", "sigmoid"):
        raise ValueError(
            f"The network's output activation is {name!r}; its outputs must be "
            "probabilities (sigmoid) or logits (a linear output, e.g. "
            "Dense(n_outputs))."
        )
    if name != "sigmoid":
        return Network(model, model, True)
    if isinstance(last, keras.layers.Activation) and model.inputs:
        return Network(model, keras.Model(model.inputs, last.input), True)
    return Network(model, model, False)


def _input_consumers(model):
    """The layers that read ``model``'s one 2-D input, or None."""
    if keras.backend.backend() != "jax" or len(getattr(model, "inputs", [])) != 1:
        return None
    inp = model.inputs[0]
    if len(inp.shape) != 2:
        return None
    consumers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        try:
            inputs = keras.tree.flatten(layer.input)
        except (AttributeError, ValueError):
            return None
        if any(t is inp for t in inputs):
            consumers.append(layer)
    return consumers


def sparse_first_layer(model):
    """Whether ``model`` takes one 2-D input consumed only by a ``Dense``
    layer, which can multiply a sparse (BCOO) matrix directly."""
    consumers = _input_consumers(model)
    return (
        consumers is not None
        and len(consumers) == 1
        and type(consumers[0]) is keras.layers.Dense
        and not getattr(consumers[0], "lora_enabled", False)
        and getattr(consumers[0], "quantization_mode", None) is None
    )


def sparse_units(model):
    """Units of the ``Dense`` layer that multiplies sparse input (a sparse
    product holds one row of its kernel per stored entry), or None when
    ``sparse_first_layer`` is False."""
    return _input_consumers(model)[0].units if sparse_first_layer(model) else None


def binary_loss(y_true, y_pred, from_logits, gamma, pos_weight=None):
    """Per-sample binary (focal) cross-entropy, mean over labels.

    Outputs with a head axis, ``(batch, heads, n_outputs)`` against labels
    ``(batch, n_outputs)``, give the mean of the heads' losses (each head of
    an ensemble is trained on its own loss, as in TabM). ``pos_weight`` may
    be a traced array, so the JAX engine can reuse one compiled program for
    every value of it.
    """
    y_true = ops.cast(y_true, y_pred.dtype)
    axes = -1
    if len(y_pred.shape) == len(y_true.shape) + 1:
        y_true = ops.expand_dims(y_true, -2)
        axes = (-2, -1)
    if from_logits:
        log_p = ops.log_sigmoid(y_pred)
        log_not_p = ops.log_sigmoid(-y_pred)
    else:
        eps = keras.config.epsilon()
        p = ops.clip(y_pred, eps, 1.0 - eps)
        log_p, log_not_p = ops.log(p), ops.log1p(-p)
    pos = y_true * log_p
    neg = (1.0 - y_true) * log_not_p
    if gamma > 0:
        p = ops.exp(log_p)
        pos = pos * ops.power(1.0 - p, gamma)
        neg = neg * ops.power(p, gamma)
    if pos_weight is not None:
        pos = pos * ops.cast(pos_weight, y_pred.dtype)
    return -ops.mean(pos + neg, axis=axes)


@keras.saving.register_keras_serializable(package="sklearn_multilabel_nn")
class MultiLabelBinaryLoss(keras.losses.Loss):
    """Binary cross-entropy over independent labels, with optional extras.

    ``pos_weight`` scales the positive term of each label (as in
    ``torch.nn.BCEWithLogitsLoss``); ``gamma > 0`` gives the focal loss of
    Lin et al. (2017). Returns one value per sample (mean over labels), so
    Keras and the JAX engine apply sample weights the same way.
    """

    def __init__(
        self,
        from_logits=False,
        pos_weight=None,
        gamma=0.0,
        name="multilabel_binary_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.pos_weight = None if pos_weight is None else [float(w) for w in pos_weight]
        self.gamma = float(gamma)

    def call(self, y_true, y_pred):
        pos_weight = None
        if self.pos_weight is not None:
            pos_weight = np.asarray(self.pos_weight, dtype="float32")
        return binary_loss(y_true, y_pred, self.from_logits, self.gamma, pos_weight)

    def get_config(self):
        return {
            "from_logits": self.from_logits,
            "pos_weight": self.pos_weight,
            "gamma": self.gamma,
            "name": self.name,
            "reduction": self.reduction,
            "dtype": self.dtype,
        }


def make_loss(loss, *, from_logits, pos_weight=None, dtype=None):
    """Resolve the ``loss`` parameter to a Keras loss object.

    ``dtype`` is the precision the loss is computed in (Keras's floatx when
    None); it must match the network's for float64 training on model.fit.
    """
    if loss in ("binary_crossentropy", "focal"):
        return MultiLabelBinaryLoss(
            from_logits=from_logits,
            pos_weight=pos_weight,
            gamma=2.0 if loss == "focal" else 0.0,
            dtype=dtype,
        )
    if isinstance(loss, str):
        return keras.losses.get(loss)
    return loss


def attach_optimizer(network, optimizer, learning_rate):
    """Give ``network`` a fresh Keras optimizer, built on its variables.

    A name gets ``learning_rate``; an optimizer instance is copied through its
    config (keeping its own learning rate), so the user's object is never
    trained or mutated.
    """
    if isinstance(optimizer, str):
        fresh = keras.optimizers.get(
            {"class_name": optimizer, "config": {"learning_rate": learning_rate}}
        )
    else:
        fresh = type(optimizer).from_config(optimizer.get_config())
    fresh.build(network.logits.trainable_variables)
    network.optimizer = fresh
    return network


def snapshot(network):
    """What training changes in place: the variables' values and the
    optimizer (with its state), so a failed fit can be undone."""
    # A copy even of JAX's immutable arrays: Keras's own compiled training
    # step (engine="keras") donates the variables' buffers.
    copy = _copy_value
    optimizer = network.optimizer
    return (
        network,
        optimizer,
        [copy(v) for v in network.model.variables],
        [copy(v) for v in optimizer.variables] if optimizer is not None else [],
    )


def restore(saved):
    """Undo everything training changed since ``snapshot``."""
    network, optimizer, model_values, optimizer_values = saved
    network.optimizer = optimizer
    for var, value in zip(network.model.variables, model_values, strict=True):
        var.assign(value)
    if optimizer is not None:
        for var, value in zip(optimizer.variables, optimizer_values, strict=True):
            var.assign(value)


def _copy_value(variable):
    return keras.ops.copy(variable.value)
