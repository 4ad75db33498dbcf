"""The JAX engine's training loops and batched prediction.

Three loops, by where the data can live:
- data (and the validation set, if any) on the device: blocks of epochs per
  compiled call, early stopping applied on the device (``_train_blocks``);
- data on the device, a validation set too large for it: one compiled call
  per epoch, early stopping on the host (``_train_epochs``);
- data too large for the device budget: minibatches streamed in chunks
  (``_train_streamed``).
Each returns the final weights, the history and the best epoch; ``train``
stores the weights back into the Keras variables.

Under ``keras.distribution.DataParallel`` (see ``_programs.DataParallel``)
the weights, the optimizer's state and the data on the device are placed on
every device of the mesh once per fit, and the programs split each batch.
"""

import time

import numpy as np

from . import _data, _early_stopping
from ._common import float_dtype, report_epoch
from ._network import MultiLabelBinaryLoss
from ._programs import NO_OPTIMIZER, data_parallel, program

_EPOCHS_PER_CALL = 10


def _state(network):
    tv = [v.value for v in network.logits.trainable_variables]
    ntv = [v.value for v in network.logits.non_trainable_variables]
    ov = [v.value for v in network.optimizer.variables]
    return tv, ntv, ov


def _store(network, tv, ntv, ov):
    model, optimizer = network.logits, network.optimizer
    for var, value in zip(model.trainable_variables, tv, strict=True):
        var.assign(value)
    for var, value in zip(model.non_trainable_variables, ntv, strict=True):
        var.assign(value)
    for var, value in zip(optimizer.variables, ov, strict=True):
        var.assign(value)


def _pos_weight(loss):
    import jax.numpy as jnp

    if isinstance(loss, MultiLabelBinaryLoss) and loss.pos_weight is not None:
        return jnp.asarray(loss.pos_weight, dtype=float_dtype())
    return None


class _Run:
    """What every loop reads: the compiled program, the configuration and
    the loss's positive weights."""

    def __init__(self, network, loss, config):
        from ._network import sparse_first_layer

        self.network, self.config = network, config
        self.layout = data_parallel()
        self.program = program(network.logits, loss, network.optimizer, self.layout)
        self.pos_weight = self.place(_pos_weight(loss))
        self.sparse_ok = sparse_first_layer(network.logits)

    def place(self, tree):
        """Arrays on every device of the data-parallel mesh (if any)."""
        return tree if self.layout is None else self.layout.replicate(tree)

    def device(self, X, rows):
        """``X`` padded to ``rows`` rows on the device, or None."""
        return self.place(
            _data.device_inputs(
                X, rows, self.config.memory_bytes, sparse_ok=self.sparse_ok
            )
        )


def train(network, loss, X, Y, w, validation, config):
    """Train ``network`` in place on the JAX engine; ``(history, best_epoch)``."""

    run = _Run(network, loss, config)
    tv, ntv, ov = run.place(_state(network))
    Xd = run.device(X, _training_rows(X, config))
    Xvd = None
    watched = validation
    if watched is None and _watches_a_stand_in(X, config):
        rows = config.validation_rows_like
        watched = (
            np.zeros((rows,) + X.shape[1:], X.dtype),
            np.zeros((rows,) + Y.shape[1:], Y.dtype),
            np.zeros(rows, w.dtype),
        )
    if Xd is not None and watched is not None:
        Xvd = run.device(watched[0], _data.row_bucket(watched[0].shape[0]))
    if Xd is not None and (watched is None or Xvd is not None):
        out = _train_blocks(run, (tv, ntv, ov), (X, Xd, Y, w), watched, Xvd)
        if validation is None:
            out[1].pop("val_loss", None)
    elif Xd is not None:
        out = _train_epochs(run, (tv, ntv, ov), (X, Xd, Y, w), validation)
    else:
        out = _train_streamed(run, (tv, ntv, ov), (X, Y, w), validation)
    (tv, ntv, ov), history, best_epoch = out
    _store(network, tv, ntv, ov)
    return history, best_epoch


def _training_rows(X, config):
    return _data.training_rows(X.shape[0], config.rows_like, _data.device_row_bytes(X))


def _watches_a_stand_in(X, config):
    """Whether a run without validation watches a zero-weight stand-in (see
    ``TrainingConfig.validation_rows_like``): only dense input of a size
    whose compilation costs more than the stand-in's forward passes, and
    never with early stopping, which would stop on it."""
    return (
        0 < config.validation_rows_like <= _data.COARSE_TRAINING_ROWS
        and not config.early_stopping
        and isinstance(X, np.ndarray)
    )


class _EpochOrders:
    """Row orders of the coming epochs, made on the host from the fit's seed:
    a random order of the ``n`` real rows (or their order, without shuffle),
    then the padding rows. A host permutation costs O(n) where a sort on the
    device cost more than the epoch itself on small networks."""

    def __init__(self, config, n, rows):
        self.rng = np.random.default_rng(config.seed)
        self.shuffle, self.n, self.rows = config.shuffle, n, rows

    def next(self, count, needed):
        """``count`` orders as one (count, rows) device array; only the first
        ``needed`` are drawn (the rest are skipped epochs)."""
        import jax.numpy as jnp

        orders = np.tile(np.arange(self.rows, dtype=np.int32), (count, 1))
        if self.shuffle:
            for epoch in range(min(count, needed)):
                orders[epoch, : self.n] = self.rng.permutation(self.n)
        return jnp.asarray(orders)


def _device_data(run, X, Xd, Y, w):
    import jax.numpy as jnp

    # Padding rows have weight 0 and lie past n, which the epoch reads.
    Yd, Wd = _data.device_targets(Y, w, _training_rows(X, run.config))
    return Xd, *run.place((Yd, Wd)), jnp.int32(X.shape[0])


def _train_blocks(run, state, data, validation, Xvd):
    """Data (and validation, if any) on the device: ``_EPOCHS_PER_CALL``
    epochs per call (see ``_programs._epoch_block``)."""
    import jax.numpy as jnp

    config, ftype = run.config, float_dtype()
    tv, ntv, ov = state
    device = _device_data(run, *data)
    orders = _EpochOrders(config, data[0].shape[0], device[1].shape[0])
    device_val = (None, None, None)
    if validation is not None:
        _, Yv, wv = validation
        n_val = _data.row_bucket(Yv.shape[0])
        device_val = (Xvd, *run.place(_data.device_targets(Yv, wv, n_val)))
    best, best_epoch, wait = _early_stopping.initial_state()
    rule = (ftype.type(best), np.int32(best_epoch), np.int32(wait))
    carry = (tv, ntv, ov, tv, ntv, rule, np.False_)
    # Without early stopping the rule never fires and the last weights stay.
    epochs = config.epochs
    patience = config.n_iter_no_change if config.early_stopping else epochs + 1
    losses, val_losses = [], []
    # With verbose, one epoch per call: each line prints as it happens. Else
    # a fixed block length, so that runs of any epoch count share a program
    # (epochs past the budget are skipped on the device).
    per_call = 1 if config.verbose else _EPOCHS_PER_CALL

    def dispatch(carry, done):
        block = run.place(orders.next(per_call, epochs - done))
        return run.program["epochs_with_early_stopping"](
            carry, block, *device, *device_val, run.pos_weight, jnp.int32(done),
            jnp.int32(epochs - done), jnp.int32(patience), ftype.type(config.tol),
            batch_size=config.batch_size,
        )  # fmt: skip

    # One block in flight ahead of the one being read: the host draws the
    # next orders and dispatches while the device trains. A block sent after
    # the stop skips every epoch and leaves the state as it was.
    tic = time.perf_counter()
    carry, outputs = dispatch(carry, 0)
    dispatched = per_call
    while True:
        ahead = None
        if dispatched < epochs:
            ahead = dispatch(carry, dispatched)
            dispatched += per_call
        loss, val, ran = outputs
        ran = np.asarray(ran)
        new = np.asarray(loss)[ran].tolist(), np.asarray(val)[ran].tolist()
        _report_block(config, len(losses), *new, time.perf_counter() - tic)
        tic = time.perf_counter()
        losses += new[0]
        val_losses += new[1]
        finished = not ran.all() or bool(carry[-1]) or len(losses) >= epochs
        if ahead is not None:
            carry, outputs = ahead
        if finished or ahead is None:
            break
    weights = carry[:3]
    best_epoch = len(losses) - 1
    if config.early_stopping:
        weights = (carry[3], carry[4], carry[2])
        best_epoch = int(carry[5][1])
    history = {"loss": losses}
    if validation is not None:
        history["val_loss"] = val_losses
    return weights, history, best_epoch


def _report_block(config, done, losses, val_losses, seconds):
    if not config.verbose:
        return
    seconds /= max(1, len(losses))
    for i, (a, b) in enumerate(zip(losses, val_losses, strict=True)):
        report_epoch(done + i, config.epochs, a, None if np.isnan(b) else b, seconds)


class _HostLoop:
    """Epochs driven from the host: history, early stopping on the host and
    the best weights so far."""

    def __init__(self, run, validation):
        self.run, self.config, self.validation = run, run.config, validation
        self.rule = _early_stopping.initial_state()
        self.best = None
        self.losses, self.val_losses = [], []
        self.sync = bool(self.config.verbose) or validation is not None

    def end_epoch(self, epoch, loss, tv, ntv, seconds):
        """Record one epoch; return True to stop."""
        self.losses.append(loss)
        if not self.sync:
            return False
        self.losses[-1] = loss = float(loss)
        val_loss = None
        if self.validation is not None:
            val_loss = _validation_loss(self.run, tv, ntv, self.validation)
            self.val_losses.append(val_loss)
        if self.config.verbose:
            report_epoch(epoch, self.config.epochs, loss, val_loss, seconds)
        if not np.isfinite(loss):
            return True
        if not self.config.early_stopping:
            return False
        self.rule, is_best, stop = _early_stopping.update(
            self.rule, epoch, val_loss, tol=self.config.tol,
            patience=self.config.n_iter_no_change,
        )  # fmt: skip
        if is_best:
            self.best = (tv, ntv)  # JAX arrays are immutable: no copy needed
        return bool(stop)

    def result(self, tv, ntv, ov):
        history = {"loss": [float(v) for v in self.losses]}
        if self.validation is not None:
            history["val_loss"] = self.val_losses
        best_epoch = len(self.losses) - 1
        if self.config.early_stopping and self.best is not None:
            tv, ntv = self.best
            best_epoch = int(self.rule[1])
        return (tv, ntv, ov), history, best_epoch


def _train_epochs(run, state, data, validation):
    """Data on the device, one compiled call per epoch."""
    config = run.config
    tv, ntv, ov = state
    device = _device_data(run, *data)
    orders = _EpochOrders(config, data[0].shape[0], device[1].shape[0])
    loop = _HostLoop(run, validation)
    for epoch in range(config.epochs):
        tic = time.perf_counter()
        tv, ntv, ov, loss = run.program["epoch_on_device"](
            tv, ntv, ov, run.place(orders.next(1, 1)[0]), *device, run.pos_weight,
            batch_size=config.batch_size,
        )  # fmt: skip
        if loop.end_epoch(epoch, loss, tv, ntv, time.perf_counter() - tic):
            break
    return loop.result(tv, ntv, ov)


def _train_streamed(run, state, data, validation):
    """Data too large for the device: densified chunks of minibatches."""
    import jax

    config = run.config
    tv, ntv, ov = state
    X, Y, w = data
    rng = np.random.default_rng(config.seed)
    n, batch_size = X.shape[0], config.batch_size
    rows_per_chunk = _data.chunk_rows(_data.row_size(X), config.memory_bytes)
    per_chunk = max(1, rows_per_chunk // batch_size)
    loop = _HostLoop(run, validation)
    for epoch in range(config.epochs):
        tic = time.perf_counter()
        order = rng.permutation(n) if config.shuffle else np.arange(n)
        loss = 0.0
        for start in range(0, n, per_chunk * batch_size):
            rows = order[start : start + per_chunk * batch_size]
            chunk = run.place(_data.batched_chunk(X, Y, w, rows, per_chunk, batch_size))
            tv, ntv, ov, chunk_loss = run.program["train_chunk"](
                tv, ntv, ov, *chunk, run.pos_weight
            )
            # Wait before densifying the next chunk: otherwise JAX's
            # asynchronous dispatch lets chunks pile up beyond the budget.
            jax.block_until_ready(chunk_loss)
            loss = loss + chunk_loss
        if loop.end_epoch(epoch, loss / n, tv, ntv, time.perf_counter() - tic):
            break
    return loop.result(tv, ntv, ov)


def _validation_loss(run, tv, ntv, validation):
    """Weighted mean loss over rows (in bounded chunks) plus regularisation."""
    X, Y, w = validation
    n = X.shape[0]
    rows = _data.chunk_rows(
        _data.row_size(X), run.config.memory_bytes, minimum=run.config.batch_size
    )
    rows = min(rows, n)
    total = weights = 0.0
    for start in range(0, n, rows):
        sl = slice(start, min(n, start + rows))
        # Chunks of a long set are padded to buckets (few compiled shapes).
        size = _data.row_bucket(sl.stop - sl.start) if n > rows else n
        xc = _data.pad_rows(_data.dense_rows(X, sl), size)
        yc = _data.pad_rows(Y[sl], size)
        wc = _data.pad_rows(w[sl], size, dtype=float_dtype())
        value, weight, reg = run.program["weighted_loss_sum"](
            tv, ntv, *run.place((xc, yc, wc)), run.pos_weight
        )
        total, weights = total + float(value), weights + float(weight)
    return total / max(weights, 1e-12) + float(reg)


def predict(model, X, memory_bytes):
    """Outputs of ``model`` on ``X``, in chunks padded to row buckets."""
    from ._network import sparse_units

    layout = data_parallel()
    compiled = program(model, None, NO_OPTIMIZER, layout)["predict"]
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]
    if layout is not None:
        tv, ntv = layout.replicate((tv, ntv))
    # Sparse rows are predicted sparse on one device; a data-parallel layout
    # splits dense rows (densified chunk by chunk).
    units = sparse_units(model) if layout is None else None
    outputs = []
    for n, chunk in _data.prediction_chunks(X, memory_bytes, sparse_units=units):
        if layout is not None:
            chunk = layout.replicate(chunk)
        out = compiled(tv, ntv, chunk)
        outputs.append(np.asarray(out)[:n])
    return np.concatenate(outputs, axis=0)
