"""Training and prediction: the compiled JAX fast path beside Keras ``model.fit``.

Both paths train the same model with the same loss, optimizer, sample weights,
shuffling, early stopping (best weights restored) and history:
``_jax_engine`` on the JAX backend (whole epochs as compiled programs),
``_keras_fit`` on any backend. Prediction is batched within the memory budget
of ``_common`` and, on JAX, compiled too.
"""

import keras
import numpy as np

from . import _common, _jax_engine, _keras_fit


def _use_fast_path(engine):
    is_jax = keras.backend.backend() == "jax"
    if engine == "jax" and not is_jax:
        raise ValueError(
            "engine='jax' needs the JAX Keras backend; the current backend is "
            f"{keras.backend.backend()!r}. Use engine='auto' or 'keras'."
        )
    return is_jax and engine in ("auto", "jax")


def train(
    model,
    optimizer,
    loss,
    X,
    Y,
    sample_weight,
    *,
    validation=None,
    epochs,
    batch_size,
    shuffle=True,
    early_stopping=False,
    n_iter_no_change=10,
    tol=1e-4,
    seed=0,
    verbose=0,
    engine="auto",
):
    """Train ``model`` in place; return ``(history, best_epoch)``.

    ``optimizer`` must be a Keras optimizer, built on the model's trainable
    variables; its state carries over between calls (``partial_fit``).
    ``validation`` is ``(X_val, Y_val, w_val)`` or None; with
    ``early_stopping`` the weights of the best validation epoch are restored.
    """
    batch_size = max(1, min(batch_size, X.shape[0]))
    Y = np.asarray(Y)  # 0/1 labels, kept compact (uint8); losses cast per batch
    sample_weight = np.asarray(sample_weight, dtype=_common.float_dtype())
    kwargs = {
        "validation": validation,
        "epochs": epochs,
        "batch_size": batch_size,
        "shuffle": shuffle,
        "early_stopping": early_stopping and validation is not None,
        "n_iter_no_change": n_iter_no_change,
        "tol": tol,
        "seed": seed,
        "verbose": verbose,
    }
    fit = _jax_engine.train if _use_fast_path(engine) else _keras_fit.train
    history, best_epoch = fit(model, optimizer, loss, X, Y, sample_weight, **kwargs)
    _common.raise_if_diverged(history["loss"])
    return history, best_epoch


def predict_logits(model, X, *, from_logits, engine="auto"):
    """Raw network outputs turned into logits, float64, shape (n, n_outputs)."""
    out = _predict_raw(model, X, engine)
    if from_logits:
        return out.astype(np.float64)
    p = np.clip(out.astype(np.float64), 1e-7, 1 - 1e-7)
    return np.log(p) - np.log1p(-p)


def predict_scores(model, X, *, from_logits, engine="auto"):
    """Sigmoid probabilities, float64, shape (n, n_outputs)."""
    out = _predict_raw(model, X, engine).astype(np.float64)
    if from_logits:
        out = 0.5 * (1.0 + np.tanh(0.5 * out))  # numerically safe sigmoid
    return out


def _predict_raw(model, X, engine):
    n = X.shape[0]
    rows = _common.chunk_rows(_common.row_size(X), minimum=32, maximum=65536)
    fast = _use_fast_path(engine)
    outputs = []
    for start in range(0, n, rows):
        part = _common.dense_rows(X, slice(start, min(n, start + rows)))
        if fast:
            outputs.append(_jax_engine.predict_chunk(model, part))
        else:
            outputs.append(keras.ops.convert_to_numpy(model.predict_on_batch(part)))
    return np.concatenate(outputs, axis=0)
