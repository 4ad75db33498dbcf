"""The JAX fast path: whole epochs as compiled programs.

Programs are built from Keras's stateless API (``model.stateless_call``,
``optimizer.stateless_apply``): one epoch (shuffle and a ``lax.scan`` over
every minibatch) per call, or ten epochs per call with the early-stopping rule
applied on the device. They are cached (``_PROGRAMS``) by architecture, loss,
optimizer and precision, so the folds of a cross-validation or the candidates
of a search compile once per configuration, not once per fit.

Sparse data whose network starts with a ``Dense`` layer are not densified for
training: the rows are kept on the device as padded (column index, value)
arrays, and each minibatch enters the network as a
``jax.experimental.sparse.BCOO`` matrix (see ``_padded_sparse``). Otherwise
sparse rows are densified in chunks within the budget of ``_common``.
"""

import json
import re
import time
import weakref
from collections import OrderedDict
from functools import partial

import keras
import numpy as np
import scipy.sparse as sp

from . import _common
from ._network import MultiLabelBinaryLoss, binary_loss

_MAX_PROGRAMS = 32  # compiled programs kept, least recently used dropped
# Each jitted function also keeps one executable per input shape (the number
# of training and validation rows are part of it), some megabytes each, which
# JAX never frees. A long run of fits on varied sizes (nested cross-validation,
# learning curves) would grow without bound, so past this many shapes JAX's
# caches are emptied and what comes next compiles again.
_MAX_SHAPES = 16
_PROGRAMS = OrderedDict()


def _signature(model, loss, optimizer):
    """A key equal for networks that compile to the same program.

    Layer names (auto-numbered by Keras) and initialiser seeds do not change
    the computation, so they are replaced by positions and nulls.
    """
    text = _model_key(model)
    if isinstance(loss, MultiLabelBinaryLoss):
        loss_key = ("binary", loss.from_logits, loss.gamma, loss.pos_weight is None)
    else:
        loss_key = ("keras", id(loss))
    opt_config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    return json.dumps(
        [
            text,
            loss_key,
            type(optimizer).__name__,
            opt_config,
            str(_common.float_dtype()),
        ],
        default=str,
    )


_MODEL_KEYS = weakref.WeakKeyDictionary()


def _model_key(model):
    if model not in _MODEL_KEYS:
        try:
            text = model.to_json()
        except (NotImplementedError, TypeError, ValueError):
            # Not serialisable (e.g. a subclassed model): no reuse across fits.
            text = f"object-{id(model)}"
        names = [model.name] + [layer.name for layer in model.layers]
        for i, name in enumerate(names):
            text = text.replace(json.dumps(name), json.dumps(f"#{i}"))
        _MODEL_KEYS[model] = re.sub(r'"seed": \d+', '"seed": null', text)
    return _MODEL_KEYS[model]


def _program(model, loss, optimizer):
    key = _signature(model, loss, optimizer)
    if key in _PROGRAMS:
        _PROGRAMS.move_to_end(key)
        program = _PROGRAMS[key]
        if sum(f._cache_size() for f in program.values()) > _MAX_SHAPES:
            import jax

            # Global: JAX's tracing and lowering caches hold as much again.
            jax.clear_caches()
        return program
    program = _compile(model, loss, optimizer)
    _PROGRAMS[key] = program
    if len(_PROGRAMS) > _MAX_PROGRAMS:
        _PROGRAMS.popitem(last=False)
    return program


def _compile(model, loss, optimizer):
    """Build the jitted functions for one (architecture, loss, optimizer)."""
    import jax
    import jax.numpy as jnp

    if isinstance(loss, MultiLabelBinaryLoss):
        from_logits, gamma = loss.from_logits, loss.gamma

        def per_sample_loss(y, out, pos_weight):
            return binary_loss(y, out, from_logits, gamma, pos_weight)
    else:

        def per_sample_loss(y, out, pos_weight):
            # A Keras loss reduces itself; undo its mean so weights apply once.
            values = loss.call(y, out) if hasattr(loss, "call") else loss(y, out)
            return jnp.reshape(values, (y.shape[0], -1)).mean(axis=-1)

    n_features = _row_size_of_input(model)

    def forward(tv, ntv, x, training):
        if isinstance(x, tuple):  # padded sparse rows (see _padded_sparse)
            x = _to_bcoo(*x, n_features)
        out, ntv, reg = model.stateless_call(
            tv, ntv, x, training=training, return_losses=True
        )
        return out, ntv, sum(reg, _common.float_dtype().type(0.0))

    def forward_loss(tv, ntv, x, y, w, pos_weight, training):
        # Weighted mean over the batch, as MLPClassifier does: zero weights
        # (and padding rows) drop out, integer weights act as repeated rows.
        out, ntv, reg = forward(tv, ntv, x, training)
        values = per_sample_loss(y, out, pos_weight)
        data = jnp.sum(values * w) / jnp.maximum(jnp.sum(w), 1e-12)
        return data + reg, ntv

    grad_fn = jax.value_and_grad(forward_loss, has_aux=True)

    def select(flag, a, b):
        """``a`` where ``flag`` else ``b``, leaf by leaf (no Python branching)."""
        return jax.tree.map(lambda u, v: jnp.where(flag, u, v), a, b)

    def step(carry, batch, may_be_empty=False):
        tv, ntv, ov, pos_weight = carry
        xb, yb, wb, mb = batch
        n_real = jnp.sum(mb)
        (value, new_ntv), grads = grad_fn(tv, ntv, xb, yb, wb * mb, pos_weight, True)
        new_tv, new_ov = optimizer.stateless_apply(ov, grads, tv)
        if may_be_empty:
            # A batch made only of padding must not move the weights. (Only
            # streamed chunks have such batches; the select costs a pass over
            # every weight, so epochs on the device skip it.)
            keep = n_real > 0
            new_tv = select(keep, new_tv, tv)
            new_ntv = select(keep, new_ntv, ntv)
            new_ov = select(keep, new_ov, ov)
        return (new_tv, new_ntv, new_ov, pos_weight), value * n_real

    @partial(jax.jit, static_argnames=("batch_size", "shuffle"))
    def epoch_on_device(tv, ntv, ov, key, X, Y, W, n, pos_weight, batch_size, shuffle):
        """One epoch over the first ``n`` rows (the rest pad the arrays to a
        bucket size, see ``_row_bucket``, so that folds of slightly different
        sizes share one compiled program)."""
        rows = Y.shape[0]
        max_batches = -(-rows // batch_size)
        total = max_batches * batch_size
        key, sub = jax.random.split(key)
        if shuffle:  # a random order of the real rows, padding last
            draws = jax.random.uniform(sub, (rows,))
            order = jnp.argsort(jnp.where(jnp.arange(rows) < n, draws, 2.0))
        else:
            order = jnp.arange(rows)
        order = jnp.concatenate([order, jnp.zeros(total - rows, order.dtype)])
        order = order.reshape(max_batches, batch_size)
        mask = (jnp.arange(total) < n).astype(_common.float_dtype())
        mask = mask.reshape(max_batches, batch_size)

        def batch_step(i, carry):
            state, loss_sum = carry
            batch = order[i]
            state, value = step(state, (_take(X, batch), Y[batch], W[batch], mask[i]))
            return state, loss_sum + value

        zero = jnp.zeros((), _common.float_dtype())
        (tv, ntv, ov, _), loss_sum = jax.lax.fori_loop(
            0, (n + batch_size - 1) // batch_size, batch_step,
            ((tv, ntv, ov, pos_weight), zero),
        )  # fmt: skip
        return tv, ntv, ov, key, loss_sum / n

    @jax.jit
    def weighted_loss_sum(tv, ntv, X, Y, W, pos_weight):
        out, _, reg = forward(tv, ntv, X, False)
        return jnp.sum(per_sample_loss(Y, out, pos_weight) * W), jnp.sum(W), reg

    @partial(jax.jit, static_argnames=("batch_size", "shuffle"))
    def epoch_and_validate(
        tv, ntv, ov, key, X, Y, W, n, Xv, Yv, Wv, pos_weight, batch_size, shuffle
    ):
        # One program (and one host sync) per epoch when early stopping.
        tv, ntv, ov, key, loss = epoch_on_device(
            tv, ntv, ov, key, X, Y, W, n, pos_weight, batch_size, shuffle
        )
        value, weight, reg = weighted_loss_sum(tv, ntv, Xv, Yv, Wv, pos_weight)
        return tv, ntv, ov, key, loss, value / jnp.maximum(weight, 1e-12) + reg

    @partial(jax.jit, static_argnames=("batch_size", "shuffle", "n_epochs"))
    def epochs_with_early_stopping(
        state, X, Y, W, n, Xv, Yv, Wv, pos_weight, remaining, patience, tol,
        batch_size, shuffle, n_epochs,
    ):  # fmt: skip
        """Up to ``n_epochs`` epochs in one call, applying the early-stopping
        rule on device and keeping the best weights, so the host syncs once
        per block instead of once per epoch. Epochs after the stop (or past
        ``remaining``) are skipped and reported as not run."""

        def run(state):
            tv, ntv, ov, key, best_tv, best_ntv, best, wait, _ = state
            tv, ntv, ov, key, loss, val = epoch_and_validate(
                tv, ntv, ov, key, X, Y, W, n, Xv, Yv, Wv, pos_weight, batch_size,
                shuffle,
            )  # fmt: skip
            is_best = val < best
            wait = jnp.where(val < best - tol, 0, wait + 1).astype(jnp.int32)
            stopped = (wait >= patience) | ~jnp.isfinite(loss)
            best_tv = select(is_best, tv, best_tv)
            best_ntv = select(is_best, ntv, best_ntv)
            best = jnp.where(is_best, val, best)
            state = (tv, ntv, ov, key, best_tv, best_ntv, best, wait, stopped)
            return state, (loss, val, True)

        def skip(state):
            nan = jnp.asarray(jnp.nan, dtype=_common.float_dtype())
            return state, (nan, nan, False)

        def one(state, i):
            return jax.lax.cond(state[-1] | (i >= remaining), skip, run, state)

        return jax.lax.scan(one, state, jnp.arange(n_epochs))

    @jax.jit
    def train_chunk(tv, ntv, ov, Xc, Yc, Wc, Mc, pos_weight):
        (tv, ntv, ov, _), losses = jax.lax.scan(
            partial(step, may_be_empty=True),
            (tv, ntv, ov, pos_weight),
            (Xc, Yc, Wc, Mc),
        )
        return tv, ntv, ov, jnp.sum(losses)

    @jax.jit
    def predict(tv, ntv, X):
        out, _ = model.stateless_call(tv, ntv, X, training=False)
        return out

    return {
        "epoch_on_device": epoch_on_device,
        "epoch_and_validate": epoch_and_validate,
        "epochs_with_early_stopping": epochs_with_early_stopping,
        "train_chunk": train_chunk,
        "weighted_loss_sum": weighted_loss_sum,
        "predict": predict,
    }


def _row_size_of_input(model):
    shape = model.inputs[0].shape if getattr(model, "inputs", None) else None
    return int(np.prod(shape[1:])) if shape and None not in shape[1:] else None


def _take(X, rows):
    """``X[rows]`` for a dense array or padded sparse rows ``(indices, values)``."""
    if isinstance(X, tuple):
        return tuple(a[rows] for a in X)
    return X[rows]


def _to_bcoo(indices, values, n_features):
    """Padded rows ``(indices, values)``, each (batch, k), as a BCOO matrix
    of shape (batch, n_features) with batch * k stored entries (padding
    entries are zeros at column 0 and add nothing)."""
    import jax.numpy as jnp
    from jax.experimental import sparse as jsparse

    batch, k = indices.shape
    rows = jnp.broadcast_to(jnp.arange(batch, dtype=indices.dtype)[:, None], (batch, k))
    coords = jnp.stack([rows.reshape(-1), indices.reshape(-1)], axis=1)
    return jsparse.BCOO((values.reshape(-1), coords), shape=(batch, n_features))


_SPARSE_MAX_SKEW = 4  # fall back to densifying when the longest row has more
_SPARSE_MAX_ROW = 1000  # than 4x the mean nonzeros and more than 1000 of them


def _sparse_first_layer(model):
    """Whether ``model`` takes one 2-D input consumed only by a ``Dense``
    layer, which can multiply a BCOO matrix directly."""
    if keras.backend.backend() != "jax" or len(getattr(model, "inputs", [])) != 1:
        return False
    if len(model.inputs[0].shape) != 2:
        return False
    inp = model.inputs[0]
    consumers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        try:
            inputs = keras.tree.flatten(layer.input)
        except (AttributeError, ValueError):
            return False
        if any(t is inp for t in inputs):
            consumers.append(layer)
    return (
        len(consumers) == 1
        and type(consumers[0]) is keras.layers.Dense
        and not getattr(consumers[0], "lora_enabled", False)
        and getattr(consumers[0], "quantization_mode", None) is None
    )


def _padded_width(X):
    """Stored entries per padded row (a power of two), or None when the rows'
    lengths are too uneven for padding to be economical."""
    nnz = np.diff(X.indptr)
    longest = int(nnz.max()) if nnz.size else 0
    mean = float(nnz.mean()) if nnz.size else 0.0
    if longest > _SPARSE_MAX_ROW and longest > _SPARSE_MAX_SKEW * max(mean, 1.0):
        return None
    # A power of two, so that folds of one data set share a compiled program.
    return max(8, 1 << max(0, longest - 1).bit_length())


def _row_bucket(n):
    """``n`` rounded up to a multiple of 64 or of a sixteenth of its power of
    two (at most 12.5 % more rows from 512 on), so that the training sets of
    a cross-validation, which differ by a few rows, compile one program
    rather than one each. Padding rows take memory but no training time."""
    granule = max(64, 1 << max(0, int(n).bit_length() - 4))
    return -(-int(n) // granule) * granule


def _pad_rows(a, rows):
    """``a`` with zero rows appended up to ``rows`` rows (host arrays)."""
    a = np.asarray(a)
    if a.shape[0] == rows:
        return a
    padded = np.zeros((rows,) + a.shape[1:], dtype=a.dtype)
    padded[: a.shape[0]] = a
    return padded


def _padded_sparse(X, width, n_rows=None):
    """CSR rows as device arrays (indices int32, values float), each
    (n_rows, width), padded with index 0 and value 0."""
    import jax.numpy as jnp

    n = X.shape[0]
    nnz = np.diff(X.indptr)
    rows = np.repeat(np.arange(n), nnz)
    pos = np.arange(X.indptr[-1]) - np.repeat(X.indptr[:-1], nnz)
    indices = np.zeros((n_rows or n, width), dtype=np.int32)
    values = np.zeros((n_rows or n, width), dtype=_common.float_dtype())
    indices[rows, pos] = X.indices
    values[rows, pos] = X.data
    return jnp.asarray(indices), jnp.asarray(values)


def _device_inputs(model, X, n_rows=None):
    """``X`` on the device for the compiled programs, with zero rows up to
    ``n_rows``: padded sparse rows when X is sparse and the network allows it
    (within the memory budget), else dense when it fits the budget, else None
    (stream chunks instead)."""
    if sp.issparse(X) and X.ndim == 2 and _sparse_first_layer(model):
        X = sp.csr_matrix(X)
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
        width = _padded_width(X)
        if width is not None and X.shape[0] <= _common.chunk_rows(2 * width):
            return _padded_sparse(X, width, n_rows)
    if _common.fits_in_budget(X):
        import jax.numpy as jnp

        return jnp.asarray(_pad_rows(_common.as_dense(X), n_rows or X.shape[0]))
    return None


def _state(model, optimizer):
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]
    ov = [v.value for v in optimizer.variables]
    return tv, ntv, ov


def _store(model, optimizer, tv, ntv, ov):
    for var, value in zip(model.trainable_variables, tv, strict=True):
        var.assign(value)
    for var, value in zip(model.non_trainable_variables, ntv, strict=True):
        var.assign(value)
    if ov is not None:
        for var, value in zip(optimizer.variables, ov, strict=True):
            var.assign(value)


def _bucket(n):
    """Pad prediction chunks to powers of two so few shapes get compiled."""
    return max(32, 1 << (int(n) - 1).bit_length())


def predict_chunk(model, X):
    import jax.numpy as jnp

    program = _program(model, None, _NO_OPTIMIZER)
    n = X.shape[0]
    padded = np.zeros((_bucket(n),) + X.shape[1:], dtype=_common.float_dtype())
    padded[:n] = X
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]
    return np.asarray(program["predict"](tv, ntv, jnp.asarray(padded)))[:n]


class _NoOptimizer:
    """Stands in for an optimizer in the key of prediction-only programs."""

    def get_config(self):
        return {}


_NO_OPTIMIZER = _NoOptimizer()


def _loss_sum_jax(program, tv, ntv, X, Y, w, pos_weight, batch_size):
    """Weighted mean loss over rows (in bounded chunks) plus regularisation."""
    import jax.numpy as jnp

    n = X.shape[0]
    rows = _common.chunk_rows(_common.row_size(X), minimum=batch_size)
    rows = min(rows, n)
    total = weights = 0.0
    for start in range(0, n, rows):
        sl = slice(start, min(n, start + rows))
        xc = _common.dense_rows(X, sl)
        size = _bucket(xc.shape[0]) if n > rows else xc.shape[0]
        pad = size - xc.shape[0]
        yc, wc = Y[sl], w[sl]
        if pad:
            xc = np.concatenate(
                [xc, np.zeros((pad,) + xc.shape[1:], _common.float_dtype())]
            )
            yc = np.concatenate(
                [yc, np.zeros((pad, Y.shape[1]), _common.float_dtype())]
            )
            wc = np.concatenate([wc, np.zeros(pad, _common.float_dtype())])
        value, weight, reg = program["weighted_loss_sum"](
            tv, ntv, jnp.asarray(xc), jnp.asarray(yc), jnp.asarray(wc), pos_weight
        )
        total, weights = total + float(value), weights + float(weight)
    return total / max(weights, 1e-12) + float(reg)


def train(
    model,
    optimizer,
    loss,
    X,
    Y,
    w,
    *,
    validation,
    epochs,
    batch_size,
    shuffle,
    early_stopping,
    n_iter_no_change,
    tol,
    seed,
    verbose,
):
    import jax
    import jax.numpy as jnp

    program = _program(model, loss, optimizer)
    pos_weight = None
    if isinstance(loss, MultiLabelBinaryLoss) and loss.pos_weight is not None:
        pos_weight = jnp.asarray(loss.pos_weight, dtype=_common.float_dtype())
    tv, ntv, ov = _state(model, optimizer)
    key = jax.random.PRNGKey(seed)

    n_rows = _row_bucket(X.shape[0])
    Xd = _device_inputs(model, X, n_rows)
    on_device = Xd is not None
    if on_device:
        # Padding rows have weight 0 and lie past n, which the epoch reads.
        Yd, Wd = (jnp.asarray(_pad_rows(a, n_rows)) for a in (Y, w))
        n_real = jnp.int32(X.shape[0])
        Xvd = None
        if validation is not None:
            n_val = _row_bucket(validation[0].shape[0])
            Xvd = _device_inputs(model, validation[0], n_val)
        if Xvd is not None:
            _, Yv, wv = validation
            device_validation = tuple(
                jnp.asarray(_pad_rows(np.asarray(a, _common.float_dtype()), n_val))
                for a in (Yv, wv)
            )
            return _train_jax_blocks(
                program, (tv, ntv, ov, key), (Xd, Yd, Wd, n_real),
                (Xvd, *device_validation),
                pos_weight, model=model, optimizer=optimizer, epochs=epochs,
                batch_size=batch_size, shuffle=shuffle,
                early_stopping=early_stopping,
                patience=n_iter_no_change, tol=tol, verbose=verbose,
            )  # fmt: skip
    else:
        rng = np.random.default_rng(seed)
        n = X.shape[0]
        per_chunk = max(1, _common.chunk_rows(_common.row_size(X)) // batch_size)

    stopper = _common.EarlyStopper(n_iter_no_change, tol) if early_stopping else None
    best = None
    losses, val_losses = [], []
    sync_each_epoch = verbose or validation is not None
    for epoch in range(epochs):
        tic = time.perf_counter()
        val_loss = None
        if on_device:
            tv, ntv, ov, key, epoch_loss = program["epoch_on_device"](
                tv,
                ntv,
                ov,
                key,
                Xd,
                Yd,
                Wd,
                n_real,
                pos_weight,
                batch_size=batch_size,
                shuffle=bool(shuffle),
            )
        else:
            order = rng.permutation(n) if shuffle else np.arange(n)
            epoch_loss = 0.0
            for start in range(0, n, per_chunk * batch_size):
                rows = order[start : start + per_chunk * batch_size]
                Xc, Yc, Wc, Mc = _padded_chunk(X, Y, w, rows, per_chunk, batch_size)
                tv, ntv, ov, chunk_loss = program["train_chunk"](
                    tv, ntv, ov, Xc, Yc, Wc, Mc, pos_weight
                )
                # Wait before densifying the next chunk: otherwise JAX's
                # asynchronous dispatch lets chunks pile up beyond the budget.
                jax.block_until_ready(chunk_loss)
                epoch_loss = epoch_loss + chunk_loss
            epoch_loss = epoch_loss / n
        losses.append(epoch_loss)
        if not sync_each_epoch:
            continue
        losses[-1] = float(epoch_loss)
        if validation is not None:
            Xv, Yv, wv = validation
            val_loss = _loss_sum_jax(
                program,
                tv,
                ntv,
                Xv,
                np.asarray(Yv, _common.float_dtype()),
                np.asarray(wv, _common.float_dtype()),
                pos_weight,
                batch_size,
            )
            val_losses.append(val_loss)
        if verbose:
            _common.report_epoch(
                epoch, epochs, losses[-1], val_loss, time.perf_counter() - tic
            )
        if not np.isfinite(losses[-1]):
            break
        if stopper is not None:
            is_best, stop = stopper.update(epoch, val_loss)
            if is_best:
                best = (tv, ntv)  # JAX arrays are immutable: no copy needed
            if stop:
                break
    losses = [float(v) for v in losses]
    history = {"loss": losses}
    if validation is not None:
        history["val_loss"] = val_losses
    best_epoch = len(losses) - 1
    if stopper is not None and best is not None:
        tv, ntv = best
        best_epoch = stopper.best_epoch
    _store(model, optimizer, tv, ntv, ov)
    return history, best_epoch


_EPOCHS_PER_CALL = 10


def _train_jax_blocks(program, state, data, validation, pos_weight, *, model,
                      optimizer, epochs, batch_size, shuffle, early_stopping,
                      patience, tol, verbose):  # fmt: skip
    """Training with a validation set on device, ``_EPOCHS_PER_CALL`` epochs
    per compiled call (see ``epochs_with_early_stopping``)."""
    import jax.numpy as jnp

    tv, ntv, ov, key = state
    ftype = _common.float_dtype()
    carry = (tv, ntv, ov, key, tv, ntv, ftype.type(np.inf), np.int32(0), np.False_)
    # Without early stopping the rule never fires and the last weights stay.
    patience = patience if early_stopping else epochs + 1
    losses, val_losses = [], []
    done = 0
    while done < epochs:
        tic = time.perf_counter()
        carry, (loss, val, ran) = program["epochs_with_early_stopping"](
            carry, *data, *validation, pos_weight,
            jnp.int32(epochs - done), jnp.int32(patience), ftype.type(tol),
            batch_size=batch_size, shuffle=bool(shuffle),
            n_epochs=min(_EPOCHS_PER_CALL, epochs),
        )  # fmt: skip
        ran = np.asarray(ran)
        new_losses, new_vals = np.asarray(loss)[ran], np.asarray(val)[ran]
        if verbose:
            seconds = (time.perf_counter() - tic) / max(1, ran.sum())
            for i, (a, b) in enumerate(zip(new_losses, new_vals, strict=True)):
                _common.report_epoch(done + i, epochs, float(a), float(b), seconds)
        losses += new_losses.tolist()
        val_losses += new_vals.tolist()
        done += int(ran.sum())
        if not ran.all() or bool(carry[-1]):
            break
    tv, ntv, ov = carry[0], carry[1], carry[2]
    best_epoch = len(losses) - 1
    if early_stopping:
        tv, ntv = carry[4], carry[5]
        best_epoch = int(np.nanargmin(val_losses)) if val_losses else 0
    _store(model, optimizer, tv, ntv, ov)
    return {"loss": losses, "val_loss": val_losses}, best_epoch


def _padded_chunk(X, Y, w, rows, per_chunk, batch_size):
    """Densify ``rows`` and lay them out as (per_chunk, batch_size, ...)."""
    import jax.numpy as jnp

    size = per_chunk * batch_size
    k = rows.shape[0]
    Xc = np.zeros((size,) + X.shape[1:], dtype=_common.float_dtype())
    _common.dense_rows(X, rows, out=Xc[:k])
    Yc = np.zeros((size, Y.shape[1]), dtype=Y.dtype)
    Yc[:k] = Y[rows]
    Wc = np.zeros(size, dtype=_common.float_dtype())
    Wc[:k] = w[rows]
    Mc = np.zeros(size, dtype=_common.float_dtype())
    Mc[:k] = 1.0
    shape = (per_chunk, batch_size)
    return (
        jnp.asarray(Xc.reshape(shape + X.shape[1:])),
        jnp.asarray(Yc.reshape(shape + (Y.shape[1],))),
        jnp.asarray(Wc.reshape(shape)),
        jnp.asarray(Mc.reshape(shape)),
    )
