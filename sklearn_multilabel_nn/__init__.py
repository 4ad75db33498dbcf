"""Neural networks as first-class multi-label classifiers in scikit-learn."""

from ._classifier import MultiLabelNNClassifier
from ._display import ThresholdCurveDisplay
from ._stratify import IterativeStratifiedKFold
from ._thresholds import (
    THRESHOLD_SCORINGS,
    CountObjective,
    FBetaScore,
    MisclassificationCost,
    decode,
    threshold_curves,
    tune_thresholds,
)
from ._tuning import TunedThresholdMultiLabelClassifierCV

__version__ = "0.1.0.dev0"

__all__ = [
    "MultiLabelNNClassifier",
    "THRESHOLD_SCORINGS",
    "CountObjective",
    "FBetaScore",
    "IterativeStratifiedKFold",
    "MisclassificationCost",
    "ThresholdCurveDisplay",
    "TunedThresholdMultiLabelClassifierCV",
    "decode",
    "threshold_curves",
    "tune_thresholds",
    "__version__",
]
