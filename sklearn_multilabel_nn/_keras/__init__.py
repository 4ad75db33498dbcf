"""The only place that imports Keras (and JAX).

Importing this package makes sure the Keras backend is chosen (see
``_backend``) but does not load Keras: the names below load it on first use,
and ``_names`` (the option tables the estimator validates against) never
does. The estimator imports this package lazily, from inside its methods.
"""

import importlib

from . import _backend  # noqa: F401  (must run before keras is imported)
from ._names import ACTIVATIONS, OPTIMIZERS

_API = {
    "Network": "._config",
    "TrainingConfig": "._config",
    "attach_optimizer": "._network",
    "build_mlp": "._network",
    "check_model": "._network",
    "configure_compile_cache": "._compile_cache",
    "keras_activation": "._names",
    "make_loss": "._network",
    "seeded_keras": "._network",
    "snapshot": "._network",
    "restore": "._network",
    "precision": "._common",
    "predict_logits": "._engine",
    "predict_scores": "._engine",
    "train": "._engine",
    "model_from_bytes": "._serialize",
    "model_to_bytes": "._serialize",
}

__all__ = ["ACTIVATIONS", "OPTIMIZERS", *_API]


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module(_API[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
