"""MultiLabelNNClassifier (work in progress: the API below is fixed, fit lands next)."""

from sklearn.base import BaseEstimator, ClassifierMixin, MultiOutputMixin


class MultiLabelNNClassifier(MultiOutputMixin, ClassifierMixin, BaseEstimator):
    """Keras sigmoid-output network as a scikit-learn multi-label classifier."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        dropout=0.0,
        alpha=0.0,
        model=None,
        loss="binary_crossentropy",
        pos_weight=None,
        optimizer="adam",
        learning_rate_init=0.001,
        epochs=200,
        batch_size=32,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        threshold=0.5,
        threshold_scoring="f1",
        min_labels=0,
        max_labels=None,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.alpha = alpha
        self.model = model
        self.loss = loss
        self.pos_weight = pos_weight
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.threshold = threshold
        self.threshold_scoring = threshold_scoring
        self.min_labels = min_labels
        self.max_labels = max_labels
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
