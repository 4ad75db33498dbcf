"""What both training paths share: the float precision, the progress lines
and the divergence check."""

import sys
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

import keras
import numpy as np

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


def batch_multiple():
    """Rows a batch must be a multiple of: the devices that split the batch
    axis under Keras's current distribution (``keras.distribution``), else 1.
    Batches are padded up to it with zero-weight rows."""
    dist = keras.distribution.distribution()
    if dist is None or dist.batch_dim_name is None:
        return 1
    mesh = dist.device_mesh
    return int(mesh.shape[list(mesh.axis_names).index(dist.batch_dim_name)])


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
