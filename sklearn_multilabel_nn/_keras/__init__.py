"""The only place that imports Keras (and JAX).

Importing this package picks the Keras backend first (see ``_backend``), so it
must be imported lazily, from inside estimator methods, never at package import.
"""

from . import _backend  # noqa: F401  (must run before keras is imported)
from ._common import precision
from ._engine import predict_logits, predict_scores, train
from ._network import (
    build_mlp,
    check_model,
    keras_activation,
    make_loss,
    make_optimizer,
    seeded_keras,
)
from ._serialize import model_from_bytes, model_to_bytes

__all__ = [
    "build_mlp",
    "check_model",
    "keras_activation",
    "make_loss",
    "make_optimizer",
    "model_from_bytes",
    "model_to_bytes",
    "precision",
    "predict_logits",
    "predict_scores",
    "seeded_keras",
    "train",
]
