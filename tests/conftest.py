import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification

# No Keras here: tests of the pure modules run without importing it. Tests that
# train get Keras through the estimator, which lets the package choose the
# backend (JAX unless the user chose one) on first use; tests that need the
# `keras` module itself take the `keras` fixture below, or import
# `sklearn_multilabel_nn._keras` before `import keras`.
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


@pytest.fixture(scope="session")
def keras():
    """The keras module, imported after the package chose the backend."""
    import sklearn_multilabel_nn._keras  # noqa: F401  (chooses the backend)

    # isort: split
    import keras

    return keras


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# Doctests of the package that train a full-size network: slow. (They live in
# docstrings, where a marker cannot go.)
SLOW_DOCTESTS = {
    "sklearn_multilabel_nn._classifier.MultiLabelNNClassifier",
    "sklearn_multilabel_nn._persistence.save",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)
