"""Golden outputs: ``predict_proba`` of fixed-seed configurations, recorded
before the restructuring of issue 13, must not change.

Regenerate (only for an intended change of behaviour, and say so in the
commit) with ``SKMLNN_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py``.
"""

import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_multilabel_classification

from sklearn_multilabel_nn import MultiLabelNNClassifier

GOLDEN = Path(__file__).parent / "golden" / "predict_proba.npz"
REGENERATE = os.environ.get("SKMLNN_REGENERATE_GOLDEN") == "1"


def linear_output_net(input_shape, n_outputs):
    """A custom network ending in logits (a top-level function, so it pickles)."""
    import keras

    inputs = keras.Input(shape=input_shape)
    hidden = keras.layers.Dense(8, activation="tanh")(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_outputs)(hidden))


def _data():
    X, Y = make_multilabel_classification(
        n_samples=120, n_features=6, n_classes=3, n_labels=2, random_state=0
    )
    return X.astype(float), Y


_SMALL = dict(hidden_layer_sizes=(16,), epochs=12, random_state=0)
CONFIGS = {
    "default": dict(_SMALL),
    "auto": dict(_SMALL, threshold="auto", threshold_cv=3, epochs=8),
    "sparse": dict(_SMALL, early_stopping=False),
    "custom_model": dict(_SMALL, model=linear_output_net),
    "float64": dict(_SMALL, dtype="float64"),
    "keras_engine": dict(_SMALL, engine="keras", epochs=4),
}


def _outputs(name):
    X, Y = _data()
    weights = np.linspace(0.5, 1.5, X.shape[0])
    X_fit = sp.csr_matrix(X) if name == "sparse" else X
    clf = MultiLabelNNClassifier(**CONFIGS[name]).fit(X_fit, Y, sample_weight=weights)
    return {
        f"{name}/proba": clf.predict_proba(X_fit),
        f"{name}/thresholds": np.asarray(clf.thresholds_, dtype=float),
    }


@pytest.mark.slow  # six fits
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_predict_proba_unchanged(name):
    got = _outputs(name)
    if REGENERATE:
        GOLDEN.parent.mkdir(exist_ok=True)
        old = dict(np.load(GOLDEN)) if GOLDEN.exists() else {}
        np.savez(GOLDEN, **{**old, **got})
        pytest.skip("golden outputs regenerated")
    expected = np.load(GOLDEN)
    for key, value in got.items():
        # Tight enough to catch any change of seeds, order or rule; loose enough
        # for another CPU's float rounding.
        np.testing.assert_allclose(value, expected[key], rtol=1e-4, atol=1e-5)
