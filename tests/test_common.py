"""scikit-learn's own estimator checks, on the default and on threshold="auto"."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_multilabel_nn import MultiLabelNNClassifier


def _check_instance(**params):
    # Full-batch training in float64: with batch_size above every check's
    # n_samples, a weighted fit equals a fit on repeated rows to ~1e-12
    # (check_sample_weight_equivalence compares at rtol=1e-7, below float32's
    # rounding). A little L2 keeps logits moderate, so probabilities don't tie
    # at exactly 1.0 (check_classifier_multioutput compares rankings).
    defaults = dict(
        hidden_layer_sizes=(16,),
        dropout=0.0,
        alpha=1e-3,
        epochs=40,
        batch_size=512,
        learning_rate_init=0.02,
        dtype="float64",
        early_stopping=False,
        random_state=0,
    )
    return MultiLabelNNClassifier(**{**defaults, **params})


@pytest.mark.slow  # every check trains (about a minute in all)
@parametrize_with_checks([_check_instance()], expected_failed_checks=lambda est: {})
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _auto_instance():
    # Thresholds tuned on out-of-fold predictions: every fit also trains the
    # fold networks, which stay as the ensemble of predict_proba and are
    # pickled with the estimator (check_estimators_pickle, ..._overwrite_params).
    return _check_instance(
        hidden_layer_sizes=(8,),
        epochs=3,
        threshold="auto",
        threshold_cv=2,
        threshold_bootstrap=0,
    )


_TUNED = (
    "By design, predict applies the per-label thresholds tuned out of fold, so "
    "it differs from predict_proba rounded at 0.5 (or its argmax); the same "
    "estimator with a fixed threshold passes this check (as for "
    "TunedThresholdMultiLabelClassifierCV in test_tuning.py)."
)
_FOLDS = (
    "threshold='auto' splits the samples into threshold_cv folds: a repeated "
    "row and its weighted original fall into different folds, so the fold "
    "networks in the ensemble see different data."
)
_UNDERTRAINED = (
    "epochs=3 keeps these checks fast but trains too little for the check's "
    "accuracy bar (0.83), with a fixed threshold too; with threshold='auto' "
    "predict also differs from predict_proba rounded at 0.5 by design."
)
AUTO_EXPECTED_FAILURES = {
    "check_classifiers_train": _UNDERTRAINED,
    "check_classifiers_classes": _TUNED,
    "check_classifier_multioutput": _TUNED,
    "check_sample_weight_equivalence_on_dense_data": _FOLDS,
    "check_sample_weight_equivalence_on_sparse_data": _FOLDS,
}


@pytest.mark.slow
@parametrize_with_checks(
    [_auto_instance()], expected_failed_checks=lambda est: AUTO_EXPECTED_FAILURES
)
def test_sklearn_compatible_estimator_auto_threshold(estimator, check):
    check(estimator)
