"""Training and prediction: the compiled JAX loops beside Keras ``model.fit``.

Both paths train the same model with the same loss, optimizer, sample weights,
shuffling, early stopping (best weights restored) and history: ``_loops`` on
the JAX backend (whole epochs as compiled programs, see ``_programs``),
``_keras_fit`` on any backend. Prediction is batched within the memory budget
and, on JAX, compiled too.
"""

import threading
import weakref

import keras
import numpy as np

from . import _data, _keras_fit, _loops
from ._common import batch_multiple, float_dtype, raise_if_diverged


def _use_fast_path(engine):
    is_jax = keras.backend.backend() == "jax"
    if engine == "jax" and not is_jax:
        raise ValueError(
            "engine='jax' needs the JAX Keras backend; the current backend is "
            f"{keras.backend.backend()!r}. Use engine='auto' or 'keras'."
        )
    if engine == "auto" and not isinstance(
        keras.distribution.distribution(), (type(None), keras.distribution.DataParallel)
    ):
        return False  # ModelParallel: Keras's own fit (ours only splits batches)
    return is_jax and engine in ("auto", "jax")


def train(network, loss, X, Y, sample_weight, *, validation, config):
    """Train ``network`` (a :class:`Network` with its optimizer) in place.

    ``validation`` is ``(X_val, Y_val, w_val)`` or None; with
    ``config.early_stopping`` the weights of the best validation epoch are
    restored. The optimizer's state carries over between calls
    (``partial_fit``). Returns ``(history, best_epoch)``.
    """
    config = config.replace(
        batch_size=max(1, min(config.batch_size, X.shape[0])),
        early_stopping=config.early_stopping and validation is not None,
    )
    Y = np.asarray(Y)  # 0/1 labels, kept compact (uint8); losses cast per batch
    sample_weight = np.asarray(sample_weight, dtype=float_dtype())
    if validation is not None:
        Xv, Yv, wv = validation
        validation = (Xv, np.asarray(Yv), np.asarray(wv, dtype=float_dtype()))
    fit = _loops.train if _use_fast_path(config.engine) else _keras_fit.train
    history, best_epoch = fit(network, loss, X, Y, sample_weight, validation, config)
    raise_if_diverged(history["loss"])
    return history, best_epoch


def predict_logits(network, X, *, engine, memory_bytes):
    """Raw network outputs turned into logits, float64, shape (n, n_outputs);
    for an ensemble of heads, the logits of their mean probability."""
    out = _predict_raw(network.logits, X, engine, memory_bytes).astype(np.float64)
    if network.from_logits and out.ndim == 2:
        return out
    if out.ndim == 3:
        out = _mean_of_heads(out)
    p = np.clip(out, 1e-7, 1 - 1e-7)
    return np.log(p) - np.log1p(-p)


def predict_scores(network, X, *, engine, memory_bytes):
    """Sigmoid probabilities, float64, shape (n, n_outputs)."""
    out = _predict_raw(network.logits, X, engine, memory_bytes).astype(np.float64)
    if out.ndim == 3:
        return _mean_of_heads(out)
    if network.from_logits:
        out = _sigmoid(out)
    return out


def _sigmoid(logits):
    return 0.5 * (1.0 + np.tanh(0.5 * logits))  # numerically safe


def _mean_of_heads(logits):
    """An ensemble's probabilities: the mean of its heads' sigmoids (what
    its ``MeanProbability`` layer outputs), from logits (n, heads, n_outputs)."""
    return _sigmoid(logits).mean(axis=1)


_LOCKS = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def _model_lock(model):
    """One lock per model: Keras's compiled ``predict_on_batch`` reuses (on
    JAX, donates) the model's state buffers, so two threads must not run it
    on one model at once."""
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(model, threading.Lock())


def _predict_raw(model, X, engine, memory_bytes):
    if _use_fast_path(engine):
        return _loops.predict(model, X, memory_bytes)
    n = X.shape[0]
    rows = _data.chunk_rows(_data.row_size(X), memory_bytes, minimum=32, maximum=65536)
    outputs = []
    multiple = batch_multiple()  # Keras splits batches evenly over devices
    for start in range(0, n, rows):
        part = _data.dense_rows(X, slice(start, min(n, start + rows)))
        size = _data.round_up(part.shape[0], multiple)
        with _model_lock(model):
            out = model.predict_on_batch(_data.pad_rows(part, size))
        outputs.append(keras.ops.convert_to_numpy(out)[: part.shape[0]])
    return np.concatenate(outputs, axis=0)
