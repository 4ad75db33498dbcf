import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification

# Let the package choose the Keras backend (JAX unless the user chose one)
# before any test module imports keras itself.
import sklearn_multilabel_nn._keras  # noqa: F401
from sklearn_multilabel_nn import MultiLabelNNClassifier


def tiny_clf(**params):
    """A tiny, fast, deterministic estimator for tests."""
    defaults = dict(
        hidden_layer_sizes=(16,),
        dropout=0.0,
        epochs=20,
        batch_size=32,
        learning_rate_init=0.01,
        early_stopping=False,
        random_state=0,
    )
    return MultiLabelNNClassifier(**{**defaults, **params})


@pytest.fixture(scope="session")
def multilabel_data():
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=8, n_classes=4, n_labels=2, random_state=0
    )
    return X.astype(float), Y


@pytest.fixture(scope="module")
def fitted_clf(multilabel_data):
    X, Y = multilabel_data
    return tiny_clf().fit(X, Y)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
