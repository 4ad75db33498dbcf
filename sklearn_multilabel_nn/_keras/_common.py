"""What both training paths share: the float precision, the memory budget
for densifying sparse rows, the early-stopping rule and the progress lines.

Sparse inputs are densified a chunk of rows at a time, and a chunk holds at
most a quarter of ``sklearn.get_config()["working_memory"]`` MiB (1 GiB unless
set with ``sklearn.config_context``) of dense data: on its way to the device a
chunk exists as a host copy and a device copy, and the engines wait for each
chunk to be consumed before densifying the next, so a large sparse matrix is
never densified whole and the densified data stay within ``working_memory``.
"""

import sys
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

import keras
import numpy as np
import scipy.sparse as sp
from sklearn import get_config

_PRECISION = ContextVar("precision", default=np.dtype(np.float32))  # noqa: B039


def float_dtype():
    """The float dtype of the current ``precision`` context."""
    return _PRECISION.get()


@contextmanager
def precision(dtype):
    """Run Keras in ``dtype``; float64 on JAX turns on its 64-bit mode here."""
    dtype = np.dtype(dtype)
    token = _PRECISION.set(dtype)
    x64 = nullcontext()
    if dtype == np.float64 and keras.backend.backend() == "jax":
        import jax

        x64 = jax.enable_x64(True)
    try:
        with x64:
            yield
    finally:
        _PRECISION.reset(token)


def chunk_rows(n_features_per_row, *, minimum=1, maximum=None):
    """Rows of dense floats in one chunk: a quarter of ``working_memory``."""
    budget = get_config()["working_memory"] * 2**20 / 4
    row_bytes = float_dtype().itemsize * max(1, n_features_per_row)
    rows = max(minimum, int(budget // row_bytes))
    return rows if maximum is None else min(rows, maximum)


def row_size(X):
    return int(np.prod(X.shape[1:]))


def dense_rows(X, rows, out=None, dtype=None):
    """Dense float copy of ``X[rows]`` (only these rows are densified),
    written into ``out`` when given (saving one copy)."""
    part = X[rows]
    if out is None:
        part = part.toarray() if sp.issparse(part) else part
        return np.asarray(part, dtype=dtype or float_dtype())
    if sp.issparse(part) and part.dtype == out.dtype:
        part.toarray(out=out)
    elif sp.issparse(part):
        out[...] = part.toarray()
    else:
        out[...] = part
    return out


def fits_in_budget(X):
    return not sp.issparse(X) or X.shape[0] <= chunk_rows(row_size(X))


def as_dense(X):
    return dense_rows(X, slice(None))


class EarlyStopper:
    """MLPClassifier's rule on the validation loss: stop after ``patience``
    epochs without an improvement larger than ``tol``; remember the best."""

    def __init__(self, patience, tol):
        self.patience, self.tol = patience, tol
        self.best, self.best_epoch, self.wait = np.inf, 0, 0

    def update(self, epoch, value):
        """Return (improved, stop)."""
        improved = value < self.best - self.tol
        if value < self.best:
            self.best, self.best_epoch = value, epoch
        self.wait = 0 if improved else self.wait + 1
        return value == self.best, self.wait >= self.patience


def report_epoch(epoch, epochs, loss, val_loss, seconds):
    line = f"Epoch {epoch + 1}/{epochs} - loss: {loss:.4f}"
    if val_loss is not None:
        line += f" - val_loss: {val_loss:.4f}"
    print(f"{line} - {seconds * 1000:.0f}ms", file=sys.stdout, flush=True)


def raise_if_diverged(losses):
    bad = np.flatnonzero(~np.isfinite(np.asarray(losses, dtype=float)))
    if bad.size:
        raise FloatingPointError(
            f"Training diverged: the loss became {losses[bad[0]]} at epoch "
            f"{bad[0] + 1}. Lower learning_rate_init, scale the features (e.g. "
            "StandardScaler), or check the inputs."
        )
