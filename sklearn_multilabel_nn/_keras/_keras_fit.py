"""The general training path: Keras ``model.fit``, on any backend.

Batches come from our own ``PyDataset`` (densified as they are used, shuffled
by a seeded generator), and early stopping follows the same rule as the JAX
engine (``_early_stopping``), so both paths train the same model.
"""

import math

import keras
import numpy as np

from . import _early_stopping
from ._common import batch_multiple, float_dtype
from ._data import dense_rows, pad_rows, round_up


class _Batches(keras.utils.PyDataset):
    """Minibatches densified as they are used, shuffled by our own seeded RNG
    (so Keras never touches the user's global random state). Under a Keras
    distribution each batch is padded with zero-weight rows to a multiple of
    the devices that split it (Keras refuses uneven splits)."""

    def __init__(self, X, Y, w, batch_size, shuffle, seed):
        super().__init__()
        self.X, self.Y, self.w = X, Y, w
        self.batch_size, self.shuffle = batch_size, shuffle
        self.dtype = float_dtype()  # Keras may fetch batches from another thread
        self.multiple = batch_multiple()
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(X.shape[0])
        if shuffle:
            self._rng.shuffle(self._order)

    def __len__(self):
        return math.ceil(self.X.shape[0] / self.batch_size)

    def __getitem__(self, i):
        rows = self._order[i * self.batch_size : (i + 1) * self.batch_size]
        w = self.w[rows]
        size = round_up(len(rows), self.multiple)
        # Keras divides the weighted sum by the batch length; rescale so the
        # batch loss is the weighted mean, as in the JAX engine.
        total = w.sum()
        if total > 0:
            w = w * (size / total)
        return (
            pad_rows(dense_rows(self.X, rows, dtype=self.dtype), size),
            pad_rows(self.Y[rows].astype(self.dtype), size),
            pad_rows(w.astype(self.dtype), size),
        )

    def on_epoch_end(self):
        if self.shuffle:
            self._rng.shuffle(self._order)


class _EarlyStopping(keras.callbacks.Callback):
    """Early stopping with the engine's rule, restoring the best weights."""

    def __init__(self, patience, tol):
        super().__init__()
        self.patience, self.tol = patience, tol
        self.rule = _early_stopping.initial_state()
        self.best_weights = None

    @property
    def best_epoch(self):
        return int(self.rule[1])

    def on_epoch_end(self, epoch, logs=None):
        self.rule, is_best, stop = _early_stopping.update(
            self.rule, epoch, logs["val_loss"], tol=self.tol, patience=self.patience
        )
        if is_best:
            self.best_weights = self.model.get_weights()
        if stop:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def train(network, loss, X, Y, w, validation, config):
    """Train ``network`` with ``model.fit``; ``(history, best_epoch)``."""
    model, optimizer = network.logits, network.optimizer
    if getattr(model, "optimizer", None) is not optimizer or not model.compiled:
        model.compile(optimizer=optimizer, loss=loss)
    callbacks = [keras.callbacks.TerminateOnNaN()]
    stopper = None
    if config.early_stopping:
        stopper = _EarlyStopping(config.n_iter_no_change, config.tol)
        callbacks.append(stopper)
    batches = (config.batch_size, config.shuffle, config.seed)
    val_data = None
    if validation is not None:
        Xv, Yv, wv = validation
        val_data = _Batches(Xv, Yv, wv, config.batch_size, False, config.seed)
    result = model.fit(
        _Batches(X, Y, w, *batches),
        epochs=config.epochs,
        shuffle=False,  # _Batches shuffles rows itself; Keras would reorder batches
        validation_data=val_data,
        callbacks=callbacks,
        verbose=2 if config.verbose else 0,
    )
    history = {k: [float(v) for v in vals] for k, vals in result.history.items()}
    best_epoch = len(history["loss"]) - 1
    if stopper is not None:
        best_epoch = stopper.best_epoch
    return history, best_epoch
