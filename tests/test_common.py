"""scikit-learn's own estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_multilabel_nn import MultiLabelNNClassifier


def _check_instance():
    # Full-batch training in float64: with batch_size above every check's
    # n_samples, a weighted fit equals a fit on repeated rows to ~1e-12
    # (check_sample_weight_equivalence compares at rtol=1e-7, below float32's
    # rounding). A little L2 keeps logits moderate, so probabilities don't tie
    # at exactly 1.0 (check_classifier_multioutput compares rankings).
    return MultiLabelNNClassifier(
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


@parametrize_with_checks([_check_instance()], expected_failed_checks=lambda est: {})
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
