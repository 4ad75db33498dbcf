"""Neural networks as first-class multi-label classifiers in scikit-learn.

Public names are imported on first use, so ``import sklearn_multilabel_nn``
and the command line's ``--help`` stay fast. Importing the package sets
``KERAS_BACKEND=jax`` when the user chose no Keras backend (see ``_backend``).
"""

import importlib

from ._backend import choose_backend as _choose_backend

_choose_backend()  # before anyone imports keras; reads the environment only

__version__ = "0.1.0.dev0"

_PUBLIC = {
    "MultiLabelNNClassifier": "._classifier",
    "THRESHOLD_SCORINGS": "._objectives",
    "CountObjective": "._objectives",
    "FBetaScore": "._objectives",
    "IterativeStratifiedKFold": "._stratify",
    "MisclassificationCost": "._objectives",
    "Objective": "._objectives",
    "ThresholdCurveDisplay": "._display",
    "TunedThresholdMultiLabelClassifierCV": "._tuning",
    "decode": "._thresholds",
    "enable_compile_cache": "._compile_cache",
    "load": "._persistence",
    "save": "._persistence",
    "threshold_curves": "._thresholds",
    "tune_thresholds": "._thresholds",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
