"""Compiled programs of the JAX engine, and their cache.

Programs are built from Keras's stateless API (``model.stateless_call``,
``optimizer.stateless_apply``) and cached by architecture, loss, optimizer,
precision and device layout, so the folds of a cross-validation or the
candidates of a search compile once per configuration, not once per fit.

Under Keras's ``keras.distribution.DataParallel`` (the switch that makes
``model.fit`` data-parallel) the programs split every minibatch over the
devices of its mesh and keep the weights and the optimizer's state
replicated; XLA (GSPMD) adds the all-reduce of the gradients. See
:class:`DataParallel`.
"""

import json
import re
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from typing import Any

from . import _early_stopping
from ._common import float_dtype
from ._data import model_input, sparse_chunk_rows, take
from ._network import MultiLabelBinaryLoss, binary_loss, sparse_units

_MAX_PROGRAMS = 32  # compiled programs kept, least recently used dropped
# Each jitted function also keeps one executable per input shape (the number
# of training and validation rows are part of it), some megabytes each. A long
# run of fits on varied sizes (nested cross-validation, learning curves) would
# grow without bound, so past this many shapes a program's own executables
# are dropped (never the user's: no global ``jax.clear_caches()``).
_MAX_SHAPES = 16
_PROGRAMS = OrderedDict()
_MODEL_KEYS = weakref.WeakKeyDictionary()


class _NoOptimizer:
    """Stands in for an optimizer in the key of prediction-only programs."""

    def get_config(self):
        return {}


NO_OPTIMIZER = _NoOptimizer()


@dataclass(frozen=True)
class DataParallel:
    """Minibatches split over ``axis`` of a JAX ``mesh``, all else replicated.

    The training data stay whole on every device (so each epoch draws the
    same batches as on one device); inside the compiled programs each batch
    is padded with zero-weight rows to a multiple of the device count and
    constrained to be split along its rows, so every device computes the
    gradient of its share and XLA sums them. Padding rows weigh nothing, and
    JAX's partitionable random bits give the real rows the same dropout
    masks, so the result is the one-device result up to the order of float
    sums.
    """

    mesh: Any
    axis: str

    @property
    def devices(self):
        return int(self.mesh.shape[self.axis])

    def key(self):
        """What makes two layouts compile to the same program."""
        ids = [int(d.id) for d in self.mesh.devices.flat]
        return [self.axis, dict(self.mesh.shape), ids]

    def _sharding(self, *spec):
        from jax.sharding import NamedSharding, PartitionSpec

        return NamedSharding(self.mesh, PartitionSpec(*spec))

    def replicate(self, tree):
        """Place (host or device) arrays on every device of the mesh."""
        import jax

        return jax.device_put(tree, self._sharding())

    def split_rows(self, tree):
        """Inside a program: arrays padded with zero rows to a multiple of
        the device count and split along their rows."""
        import jax
        import jax.numpy as jnp

        def split(a):
            extra = -a.shape[0] % self.devices
            if extra:
                a = jnp.pad(a, [(0, extra)] + [(0, 0)] * (a.ndim - 1))
            spec = (self.axis,) + (None,) * (a.ndim - 1)
            return jax.lax.with_sharding_constraint(a, self._sharding(*spec))

        return jax.tree.map(split, tree)

    def gather(self, a):
        """Inside a program: ``a`` whole on every device."""
        import jax

        return jax.lax.with_sharding_constraint(a, self._sharding())


def data_parallel():
    """The layout asked for with ``keras.distribution.set_distribution``:
    a :class:`DataParallel` over more than one device, or None. Any other
    Keras distribution (``ModelParallel``) raises ``ValueError`` (the engine
    only splits batches; Keras's own ``fit`` handles those)."""
    import keras

    dist = keras.distribution.distribution()
    if dist is None:
        return None
    if not isinstance(dist, keras.distribution.DataParallel):
        raise ValueError(
            f"The JAX engine trains data-parallel only; {type(dist).__name__} "
            "needs engine='keras' (or engine='auto', which picks it)."
        )
    mesh = dist.device_mesh.backend_mesh
    if mesh.devices.size == 1:
        return None
    return DataParallel(mesh, dist.batch_dim_name)


# Modules whose layers compute only from their config and weights: Keras's
# own, and the package's (``_layers``).
_SAFE_MODULES = ("keras.", "sklearn_multilabel_nn._keras._layers")
# ... except Keras's preprocessing layers, which keep what they adapted (a
# Normalization's mean and variance, a lookup's vocabulary) as constants that
# neither their weights nor their config hold: two adapted on different data
# have equal JSON, and a shared program would bake in the first one's.
_UNSAFE_MODULES = ("keras.src.layers.preprocessing.",)


def _built_in(model):
    """Whether every layer of ``model`` is one of Keras's own or the
    package's, whose config describes its computation fully (a user's layer
    may keep state that its ``get_config`` leaves out, so two such models
    with equal JSON can compute different things)."""
    module = type(model).__module__
    if not module.startswith(_SAFE_MODULES) or module.startswith(_UNSAFE_MODULES):
        return False
    return all(_built_in(layer) for layer in getattr(model, "layers", []))


def _model_key(model):
    if model not in _MODEL_KEYS:
        try:
            if not _built_in(model):
                raise TypeError("custom layers")
            text = model.to_json()
        except (NotImplementedError, TypeError, ValueError):
            # Not provably the same computation as another model: a program
            # of its own (the cache keeps the model alive, so ids stay unique).
            text = f"object-{id(model)}"
        names = [model.name] + [layer.name for layer in model.layers]
        for i, name in enumerate(names):
            text = text.replace(json.dumps(name), json.dumps(f"#{i}"))
        _MODEL_KEYS[model] = re.sub(r'"seed": \d+', '"seed": null', text)
    return _MODEL_KEYS[model]


def _signature(model, loss, optimizer, layout):
    """A key equal for networks that compile to the same program.

    Layer names (auto-numbered by Keras) and initialiser seeds do not change
    the computation, so they are replaced by positions and nulls.
    """
    if isinstance(loss, MultiLabelBinaryLoss):
        loss_key = ("binary", loss.from_logits, loss.gamma, loss.pos_weight is None)
    else:
        loss_key = ("keras", id(loss))
    opt_config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    return json.dumps(
        [
            _model_key(model),
            loss_key,
            type(optimizer).__name__,
            opt_config,
            str(float_dtype()),
            None if layout is None else layout.key(),
        ],
        default=str,
    )


def program(model, loss, optimizer, layout=None):
    """The compiled functions for (model, loss, optimizer), from the cache;
    ``layout`` is a :class:`DataParallel` or None (one device)."""
    key = _signature(model, loss, optimizer, layout)
    if key in _PROGRAMS:
        _PROGRAMS.move_to_end(key)
        found = _PROGRAMS[key]
        if sum(f._cache_size() for f in found.values()) > _MAX_SHAPES:
            for function in found.values():
                function.clear_cache()
        return found
    _PROGRAMS[key] = _compile(model, loss, optimizer, layout)
    if len(_PROGRAMS) > _MAX_PROGRAMS:
        _PROGRAMS.popitem(last=False)
    return _PROGRAMS[key]


def _per_sample_loss(loss):
    """``f(y, out, pos_weight)``: one loss value per sample."""
    import jax.numpy as jnp

    if isinstance(loss, MultiLabelBinaryLoss):
        from_logits, gamma = loss.from_logits, loss.gamma

        def per_sample(y, out, pos_weight):
            return binary_loss(y, out, from_logits, gamma, pos_weight)

        return per_sample

    def per_sample(y, out, pos_weight):
        # A Keras loss reduces itself; undo its mean so weights apply once.
        values = loss.call(y, out) if hasattr(loss, "call") else loss(y, out)
        return jnp.reshape(values, (y.shape[0], -1)).mean(axis=-1)

    return per_sample


def _input_row_size(model):
    shape = model.inputs[0].shape if getattr(model, "inputs", None) else None
    if not shape or None in shape[1:]:
        return None
    size = 1
    for dim in shape[1:]:
        size *= int(dim)
    return size


def _forward(model):
    """``forward(tv, ntv, x, training) -> (out, ntv, regularisation)``."""
    n_features = _input_row_size(model)

    def forward(tv, ntv, x, training):
        out, ntv, reg = model.stateless_call(
            tv, ntv, model_input(x, n_features), training=training, return_losses=True
        )
        return out, ntv, sum(reg, float_dtype().type(0.0))

    return forward


def _select(flag, a, b):
    """``a`` where ``flag`` else ``b``, leaf by leaf (no Python branching)."""
    import jax
    import jax.numpy as jnp

    return jax.tree.map(lambda u, v: jnp.where(flag, u, v), a, b)


def _step(forward, per_sample_loss, optimizer, layout):
    """One minibatch update: ``step(carry, batch, may_be_empty=False)``,
    the batch split over the devices of ``layout`` (if any)."""
    import jax
    import jax.numpy as jnp

    def forward_loss(tv, ntv, x, y, w, pos_weight, training):
        # Weighted mean over the batch, as MLPClassifier does: zero weights
        # (and padding rows) drop out, integer weights act as repeated rows.
        out, ntv, reg = forward(tv, ntv, x, training)
        values = per_sample_loss(y, out, pos_weight)
        data = jnp.sum(values * w) / jnp.maximum(jnp.sum(w), 1e-12)
        return data + reg, ntv

    grad_fn = jax.value_and_grad(forward_loss, has_aux=True)

    def step(carry, batch, may_be_empty=False):
        tv, ntv, ov, pos_weight = carry
        if layout is not None:
            batch = layout.split_rows(batch)
        xb, yb, wb, mb = batch
        n_real = jnp.sum(mb)
        (value, new_ntv), grads = grad_fn(tv, ntv, xb, yb, wb * mb, pos_weight, True)
        new_tv, new_ov = optimizer.stateless_apply(ov, grads, tv)
        if may_be_empty:
            # A batch made only of padding must not move the weights. (Only
            # streamed chunks have such batches; the select costs a pass over
            # every weight, so epochs on the device skip it.)
            keep = n_real > 0
            new_tv = _select(keep, new_tv, tv)
            new_ntv = _select(keep, new_ntv, ntv)
            new_ov = _select(keep, new_ov, ov)
        return (new_tv, new_ntv, new_ov, pos_weight), value * n_real

    return step


def _epoch(step):
    """One epoch over the first ``n`` rows of device arrays padded past ``n``
    (to a bucket size, so folds of slightly different sizes share one
    compiled program), in the row ``order`` given (made on the host, see
    ``_loops.epoch_orders``: a device sort per epoch cost more than the
    epoch's arithmetic on small networks)."""
    import jax
    import jax.numpy as jnp

    def epoch(tv, ntv, ov, order, X, Y, W, n, pos_weight, batch_size):
        rows = Y.shape[0]
        max_batches = -(-rows // batch_size)
        total = max_batches * batch_size
        order = jnp.concatenate([order, jnp.zeros(total - rows, order.dtype)])
        order = order.reshape(max_batches, batch_size)
        mask = (jnp.arange(total) < n).astype(float_dtype())
        mask = mask.reshape(max_batches, batch_size)

        def batch_step(i, carry):
            state, loss_sum = carry
            batch = order[i]
            state, value = step(state, (take(X, batch), Y[batch], W[batch], mask[i]))
            return state, loss_sum + value

        zero = jnp.zeros((), float_dtype())
        (tv, ntv, ov, _), loss_sum = jax.lax.fori_loop(
            0, (n + batch_size - 1) // batch_size, batch_step,
            ((tv, ntv, ov, pos_weight), zero),
        )  # fmt: skip
        return tv, ntv, ov, loss_sum / n

    return epoch


def _epoch_block(epoch, epoch_and_validate):
    """Up to ``len(orders)`` epochs in one call, applying the early-stopping
    rule on the device and keeping the best weights, so the host syncs once
    per block instead of once per epoch. Epochs after the stop (or past
    ``remaining``) are skipped and reported as not run. Without a validation
    set (``Xv`` None) the epochs just run, stopping only on a non-finite loss."""
    import jax
    import jax.numpy as jnp

    def block(state, orders, X, Y, W, n, Xv, Yv, Wv, pos_weight, start, remaining,
              patience, tol, batch_size):  # fmt: skip
        def train_only(state, current):
            _, order = current
            tv, ntv, ov, best_tv, best_ntv, rule, _ = state
            tv, ntv, ov, loss = epoch(
                tv, ntv, ov, order, X, Y, W, n, pos_weight, batch_size
            )
            nan = jnp.asarray(jnp.nan, dtype=float_dtype())
            state = (tv, ntv, ov, best_tv, best_ntv, rule, ~jnp.isfinite(loss))
            return state, (loss, nan, True)

        def validated(state, current):
            index, order = current
            tv, ntv, ov, best_tv, best_ntv, rule, _ = state
            tv, ntv, ov, loss, val = epoch_and_validate(
                tv, ntv, ov, order, X, Y, W, n, Xv, Yv, Wv, pos_weight, batch_size
            )
            rule, is_best, stop = _early_stopping.update(
                rule, index, val, tol=tol, patience=patience, where=jnp.where
            )
            rule = (rule[0], rule[1], rule[2].astype(jnp.int32))
            stopped = stop | ~jnp.isfinite(loss)
            best_tv = _select(is_best, tv, best_tv)
            best_ntv = _select(is_best, ntv, best_ntv)
            state = (tv, ntv, ov, best_tv, best_ntv, rule, stopped)
            return state, (loss, val, True)

        def skip(state, current):
            nan = jnp.asarray(jnp.nan, dtype=float_dtype())
            return state, (nan, nan, False)

        run = train_only if Xv is None else validated

        def one(state, xs):
            i, order = xs
            done = state[-1] | (i >= remaining)
            return jax.lax.cond(done, skip, run, state, (start + i, order))

        steps = jnp.arange(orders.shape[0], dtype=jnp.int32)
        return jax.lax.scan(one, state, (steps, orders))

    return block


def _compile(model, loss, optimizer, layout):
    """Build the jitted functions for one (architecture, loss, optimizer)
    and device layout."""
    import jax
    import jax.numpy as jnp

    per_sample_loss = _per_sample_loss(loss)
    forward = _forward(model)
    step = _step(forward, per_sample_loss, optimizer, layout)
    epoch = _epoch(step)

    units = sparse_units(model)

    def weighted_loss_sum(tv, ntv, X, Y, W, pos_weight):
        if layout is not None:  # padding rows have weight 0
            X, Y, W = layout.split_rows((X, Y, W))
        rows = sparse_chunk_rows(X, Y.shape[0], units)
        if layout is None and rows is not None:
            return _chunked_loss_sum(tv, ntv, X, Y, W, pos_weight, rows)
        out, _, reg = forward(tv, ntv, X, False)
        return jnp.sum(per_sample_loss(Y, out, pos_weight) * W), jnp.sum(W), reg

    def _chunked_loss_sum(tv, ntv, X, Y, W, pos_weight, rows):
        # Sparse rows a chunk at a time: the sparse product holds a kernel
        # row per stored entry, rows x width x units values for the whole
        # set at once (gigabytes for a large validation set).
        def chunk(total, i):
            part = i * rows + jnp.arange(rows, dtype=jnp.int32)
            out, _, reg = forward(tv, ntv, X.padded(part), False)
            value = jnp.sum(per_sample_loss(Y[part], out, pos_weight) * W[part])
            return total + value, reg

        zero = jnp.zeros((), float_dtype())
        total, regs = jax.lax.scan(chunk, zero, jnp.arange(Y.shape[0] // rows))
        return total, jnp.sum(W), regs[-1]

    def epoch_and_validate(
        tv, ntv, ov, order, X, Y, W, n, Xv, Yv, Wv, pos_weight, batch_size
    ):
        tv, ntv, ov, loss = epoch(
            tv, ntv, ov, order, X, Y, W, n, pos_weight, batch_size
        )
        value, weight, reg = weighted_loss_sum(tv, ntv, Xv, Yv, Wv, pos_weight)
        return tv, ntv, ov, loss, value / jnp.maximum(weight, 1e-12) + reg

    def train_chunk(tv, ntv, ov, Xc, Yc, Wc, Mc, pos_weight):
        (tv, ntv, ov, _), losses = jax.lax.scan(
            partial(step, may_be_empty=True), (tv, ntv, ov, pos_weight),
            (Xc, Yc, Wc, Mc),
        )  # fmt: skip
        return tv, ntv, ov, jnp.sum(losses)

    def predict(tv, ntv, X):
        X = model_input(X, _input_row_size(model))
        if layout is None:
            return model.stateless_call(tv, ntv, X, training=False)[0]
        out, _ = model.stateless_call(tv, ntv, layout.split_rows(X), training=False)
        return layout.gather(out[: X.shape[0]])

    return {
        "epoch_on_device": jax.jit(epoch, static_argnames=("batch_size",)),
        "epochs_with_early_stopping": jax.jit(
            _epoch_block(epoch, epoch_and_validate), static_argnames=("batch_size",)
        ),
        "train_chunk": jax.jit(train_chunk),
        "weighted_loss_sum": jax.jit(weighted_loss_sum),
        "predict": jax.jit(predict),
    }
