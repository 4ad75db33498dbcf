"""Neural networks as first-class multi-label classifiers in scikit-learn."""

from ._classifier import MultiLabelNNClassifier

__version__ = "0.1.0.dev0"

__all__ = ["MultiLabelNNClassifier", "__version__"]
