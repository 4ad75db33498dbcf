"""MultiLabelNNClassifier: the scikit-learn face of a Keras sigmoid network.

This module never imports Keras: everything Keras happens in ``_keras``, which
is imported lazily (importing it picks the Keras backend).
"""

import math
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MultiOutputMixin,
    _fit_context,
    clone,
)
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._objectives import (
    THRESHOLD_SCORINGS,
    CountObjective,
    FBetaScore,
    MisclassificationCost,
)
from ._targets import TargetEncoder
from ._thresholds import (
    decode,
    resolve_thresholds,
    tune_thresholds,
)

_ACTIVATIONS = {
    "relu", "tanh", "logistic", "identity", "sigmoid", "linear",
    "elu", "selu", "gelu", "silu", "swish", "leaky_relu",
}  # fmt: skip
_OPTIMIZERS = {
    "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax",
    "nadam", "lion", "ftrl",
}  # fmt: skip


def _keras():
    """The Keras boundary, imported on first use (it picks the backend)."""
    from . import _keras

    return _keras


class MultiLabelNNClassifier(MultiOutputMixin, ClassifierMixin, BaseEstimator):
    """Neural-network multi-label classifier: one sigmoid output per label.

    A Keras 3 network with one sigmoid output per label, trained with binary
    cross-entropy on multi-hot labels, so every label is an independent
    Bernoulli (unlike softmax, which makes labels compete). ``predict`` cuts
    each label's probability at its own threshold. It works as any
    scikit-learn classifier: in Pipelines, GridSearchCV and cross-validation.

    1-D targets also work, as in :class:`~sklearn.neural_network.MLPClassifier`:
    binary y gets one sigmoid output, multiclass y one sigmoid per class with
    ``predict`` taking the most probable class.

    With the JAX backend (the default) training runs on a compiled engine that
    executes a whole epoch per call; other backends use Keras ``model.fit``.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(256, 128)
        Units of each hidden ``Dense`` layer of the default network. An empty
        tuple gives a network with no hidden layer (one logistic regression
        per label, trained jointly). Ignored when ``model`` is given.

    activation : str, default="relu"
        Activation of the hidden layers: a Keras activation name, or one of
        MLPClassifier's ("identity", "logistic", "tanh", "relu").

    dropout : float or "auto", default="auto"
        Dropout rate after each hidden layer (0 disables it). ``"auto"`` uses
        0.5 after layers of at least 100 units and 0.2 after narrower ones,
        where dropping half the units would cost too much capacity. (Chosen by
        cross-validation on the training splits of the yeast and scene
        benchmarks and on the seed problem; see ``benchmarks/``.)

    alpha : float, default=0.0
        L2 penalty on the weights of every ``Dense`` layer of the default
        network.

    model : callable, default=None
        ``model(input_shape, n_outputs) -> keras.Model`` building a custom
        network, e.g. a CNN for images. It may end in
        ``Dense(n_outputs, activation="sigmoid")`` (probabilities) or in a
        linear layer (logits); a softmax output is refused. Use a top-level
        function: a lambda or local function cannot be pickled.

    loss : {"binary_crossentropy", "focal"} or keras loss, default="binary_crossentropy"
        Training loss. ``"focal"`` is the binary focal loss (gamma=2) of Lin
        et al. (2017). A Keras loss object or function is used as given (it
        must match the network's output, probabilities or logits).

    pos_weight : None, "balanced" or array-like of shape (n_labels,), default=None
        Weight of the positive term of each label's cross-entropy.
        ``"balanced"`` uses ``n_negative / n_positive`` of each label in the
        training data (1 for a label with no positives).

    optimizer : str or keras optimizer, default="adam"
        A Keras optimizer name (given ``learning_rate_init``) or an optimizer
        instance, copied through its config for every fit.

    learning_rate_init : float, default=0.001
        Learning rate when ``optimizer`` is a name.

    epochs : int, default=200
        Maximum number of passes over the training data (early stopping
        usually ends training well before).

    batch_size : int, default=32
        Minibatch size. Every sample is used in every epoch (the last batch
        may be shorter).

    shuffle : bool, default=True
        Shuffle the training data at every epoch.

    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training data, stop when its
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs and
        restore the weights of the best epoch. When False, all ``epochs`` run.
        With ``threshold="auto"`` and ``threshold_cv`` folds, nothing more is
        held out: each fold network stops on its own held-out fold, and the
        final network trains on all the data for the median of their epoch
        counts.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping (and for
        tuning thresholds with ``threshold="auto"`` and
        ``threshold_cv=None``).

    n_iter_no_change : int, default=10
        Epochs without improvement before early stopping.

    tol : float, default=1e-4
        Minimum decrease of the validation loss that counts as improvement.

    threshold : float, array-like of shape (n_labels,) or "auto", default=0.5
        Probability cut-off of ``predict``, one shared value or one per label.
        Read at prediction time, so ``set_params(threshold=...)`` needs no
        refit. ``"auto"`` tunes one threshold per label on held-out
        predictions (see ``threshold_cv``) with
        :func:`~sklearn_multilabel_nn.tune_thresholds`; a label with fewer
        than 5 positives (or negatives) there keeps 0.5.

    threshold_scoring : str or objective, default="f1_micro_macro"
        What ``threshold="auto"`` maximises: a name in
        :data:`~sklearn_multilabel_nn.THRESHOLD_SCORINGS` ("f1_micro_macro",
        the mean of micro- and macro-F1; "f1_micro", which gives rare labels
        high thresholds and costs macro-F1; "f1" per label, which maximises
        macro-F1 but lowers rare labels' thresholds enough to cost micro-F1;
        "f1_samples"; "jaccard_samples"; "neg_hamming_loss"; ...), an
        :class:`~sklearn_multilabel_nn.FBetaScore`, a
        :class:`~sklearn_multilabel_nn.MisclassificationCost`, or a callable
        ``func(tp, fp, fn, tn)`` of one label's counts.

    threshold_cv : int or None, default=5
        Where ``threshold="auto"`` gets its held-out predictions. An int k:
        out-of-fold predictions of k networks trained on iteratively
        stratified folds of the training data (k extra fits, every sample
        used once for tuning; with ``early_stopping`` each network stops on
        the fold it predicts), then the final network on all the data. None:
        the final network's predictions on its held-out
        ``validation_fraction`` (no extra fit, but far fewer samples).

    threshold_cv_repeats : int, default=1
        How many times the ``threshold_cv`` folds are drawn, each time with a
        different partition (``threshold_cv * threshold_cv_repeats`` fold
        networks in all). Thresholds are tuned on each repeat's out-of-fold
        predictions and averaged, and every fold network joins the ensemble.
        More repeats give steadier thresholds and a larger ensemble at a
        proportional training cost; the gains measured on yeast and scene are
        small (about +0.002 F1 for 3 repeats, see :ref:`thresholds`).

    threshold_bootstrap : int, default=20
        Bagged tuning for ``threshold="auto"``: thresholds are tuned on this
        many bootstrap resamples of the held-out predictions and averaged,
        which steadies the choice of cut points that a few samples decide
        (+0.002 F1 in cross-validation on yeast and scene, see
        :ref:`thresholds`). The rare-label rule is applied to the
        predictions themselves. ``0`` tunes once on the predictions. Costs
        this many tunings, which is small next to the training, except for
        very many samples and labels.

    ensemble : bool, default=True
        Keep the ``threshold_cv * threshold_cv_repeats`` networks that
        ``threshold="auto"`` trains for its out-of-fold predictions, and
        average their probabilities with the final network's in
        ``predict_proba``, ``predict``, ``decision_function`` (the logits of
        the average) and ``score``. It costs no extra training, only one more
        forward pass per member and prediction and a larger pickle; averaging
        networks that saw different data gives steadier probabilities (see
        the notes in :ref:`thresholds`). Read at prediction time:
        ``set_params(ensemble=False)`` predicts with the final network alone.
        No effect without members (a numeric ``threshold``,
        ``threshold_cv=None``, 1-D multiclass ``y``); ``partial_fit`` trains
        the final network only and drops them.

    min_labels : int or "auto", default="auto"
        Every prediction gets at least this many labels: when fewer pass their
        thresholds, the best-scoring ones are added (1 forbids empty sets).
        ``"auto"`` is 1 when every training sample has at least one label
        (the model then never saw an empty set, so it never predicts one)
        and 0 otherwise; ``min_labels_`` holds the value used. Read at
        prediction time. No effect on 1-D ``y``.

    max_labels : int, default=None
        At most this many labels per prediction (the best-scoring ones).

    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``.

    dtype : {"float32", "float64"}, default="float32"
        Float precision of the default network and of training. float64 is
        slower but reproducible to the last digits (on JAX it turns on 64-bit
        mode for the duration of each call only).

    engine : {"auto", "jax", "keras"}, default="auto"
        Training engine. "auto" uses the compiled JAX engine when Keras runs
        on JAX and ``model.fit`` otherwise; "keras" always uses ``model.fit``.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation
        split. The same integer gives the same model, in one process or
        across processes; global random states are left untouched.

    verbose : int, default=0
        Print one line per epoch when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_labels,) or (n_classes,)
        Label names (the columns of an indicator ``y``, or the labels found in
        label sets) or, for 1-D ``y``, the classes.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    n_outputs_ : int
        Number of sigmoid outputs of the network.

    model_ : keras.Model
        The trained network (the final one, trained on all the data).

    members_ : list of keras.Model
        The ``threshold_cv * threshold_cv_repeats`` networks trained on folds for
        ``threshold="auto"`` and kept for ``ensemble=True``; empty otherwise.

    history_ : dict of list of float
        Per-epoch ``"loss"`` (and ``"val_loss"`` with a validation split;
        not with ``threshold="auto"`` and ``threshold_cv``, whose final
        network trains on all the data).

    loss_curve_ : list of float
        Training loss per epoch (``history_["loss"]``).

    best_epoch_ : int
        Index (from 0) of the epoch whose weights the model holds.

    thresholds_ : ndarray of shape (n_outputs,)
        Per-output thresholds resolved at fit time.

    min_labels_ : int
        The floor of labels per prediction that ``predict`` applies:
        ``min_labels``, with ``"auto"`` resolved from the training labels.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's own network.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn_multilabel_nn import MultiLabelNNClassifier
    >>> X, y = make_multilabel_classification(n_samples=100, n_classes=3,
    ...                                       random_state=0)
    >>> clf = MultiLabelNNClassifier(hidden_layer_sizes=(16,), epochs=5,
    ...                              random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> clf.predict(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(_ACTIVATIONS)],
        "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "model": [None, callable],
        "loss": [StrOptions({"binary_crossentropy", "focal"}), callable],
        "pos_weight": [None, StrOptions({"balanced"}), "array-like"],
        "optimizer": [StrOptions(_OPTIMIZERS), HasMethods(["get_config", "apply"])],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "threshold": [
            Interval(Real, 0, 1, closed="both"),
            "array-like",
            StrOptions({"auto"}),
        ],
        "threshold_scoring": [
            StrOptions(set(THRESHOLD_SCORINGS)),
            FBetaScore,
            MisclassificationCost,
            CountObjective,
            callable,
        ],
        "threshold_cv": [None, Interval(Integral, 2, None, closed="left")],
        "threshold_cv_repeats": [Interval(Integral, 1, None, closed="left")],
        "threshold_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "ensemble": ["boolean"],
        "min_labels": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "max_labels": [None, Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "dtype": [StrOptions({"float32", "float64"})],
        "engine": [StrOptions({"auto", "jax", "keras"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256, 128),
        *,
        activation="relu",
        dropout="auto",
        alpha=0.0,
        model=None,
        loss="binary_crossentropy",
        pos_weight=None,
        optimizer="adam",
        learning_rate_init=0.001,
        epochs=200,
        batch_size=32,
        shuffle=True,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        threshold=0.5,
        threshold_scoring="f1_micro_macro",
        threshold_cv=5,
        threshold_cv_repeats=1,
        threshold_bootstrap=20,
        ensemble=True,
        min_labels="auto",
        max_labels=None,
        warm_start=False,
        dtype="float32",
        engine="auto",
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
        self.threshold_cv = threshold_cv
        self.threshold_cv_repeats = threshold_cv_repeats
        self.threshold_bootstrap = threshold_bootstrap
        self.ensemble = ensemble
        self.min_labels = min_labels
        self.max_labels = max_labels
        self.warm_start = warm_start
        self.dtype = dtype
        self.engine = engine
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. N-D arrays of shape (n_samples, ...) such as
            images or sequences need a ``model`` that takes them.

        y : array-like, sparse matrix or list of label sets
            A 0/1 indicator matrix of shape (n_samples, n_labels) (any dtype,
            dense, sparse or a DataFrame), a list of label sets, or 1-D binary
            or multiclass targets.

        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights (each batch loss is their weighted mean).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        warm = self.warm_start and hasattr(self, "model_")
        return self._atomic(self._fit, X, y, sample_weight, incremental=warm)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``X`` and ``y``, continuing from before.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like, sparse matrix or list of label sets
            Targets, in the same form on every call.

        classes : array-like, default=None
            All classes (1-D ``y``) or all labels (label sets); needed on the
            first call when a batch may not show all of them.

        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "model_")
        return self._atomic(
            self._fit, X, y, sample_weight, incremental=not first,
            classes=classes, epochs=1, one_epoch=True,
        )  # fmt: skip

    def _atomic(self, method, *args, **kwargs):
        """Run ``method``; if it raises, leave the estimator as it was."""
        saved = dict(self.__dict__)
        try:
            with _keras().precision(self.dtype):
                return method(*args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit(self, X, y, sample_weight, *, incremental, classes=None,
             epochs=None, one_epoch=False, fold=None):  # fmt: skip
        """Train; ``fold=(train, held_out)`` (row indices) makes this a fold
        network of ``threshold="auto"``: it trains on ``train`` and stops
        early on ``held_out``."""
        K = _keras()
        X = self._validate_X(X, reset=not incremental)
        if incremental:
            Y = self._target_encoder.transform(y)
        else:
            encoder = TargetEncoder()
            Y = encoder.fit_transform(y, classes=classes)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y have different numbers of samples: {X.shape[0]} "
                f"and {Y.shape[0]}."
            )
        sample_weight = self._check_weights(sample_weight, X)
        # For min_labels="auto": did every sample seen in training have a label?
        every_sample_labelled = bool(Y.any(axis=1).all()) and (
            not incremental or getattr(self, "_every_sample_labelled", True)
        )
        random_state = check_random_state(self.random_state)
        seed = int(random_state.randint(np.iinfo(np.int32).max))

        if not incremental:
            self._target_encoder = encoder
            self.classes_ = encoder.classes_
            self.n_outputs_ = encoder.n_outputs()
            self._input_shape = tuple(X.shape[1:])
            self._sparse_input = sp.issparse(X)
            self.model_ = self._build_model(self._input_shape, self.n_outputs_, seed)
            self._network, self._from_logits = K.check_model(
                self.model_, self._input_shape, self.n_outputs_
            )
            self._optimizer = None
        if one_epoch:
            if getattr(self, "_optimizer", None) is None:
                self._optimizer = self._make_optimizer(K)
            optimizer = self._optimizer
        else:
            # A fresh optimizer for every fit (warm_start keeps the weights).
            optimizer = self._optimizer = self._make_optimizer(K)

        oof_scores, members = None, []
        if self._tunes_thresholds() and self.threshold_cv and not one_epoch:
            oof_scores, members = self._out_of_fold_scores(X, Y, sample_weight, seed)
        # Members are kept only as trained with the final network: a further
        # partial_fit (one epoch for the final network alone) drops them.
        self.members_ = [m.model_ for m in members] if self.ensemble else []
        self._member_networks = [m._network for m in members] if self.ensemble else []
        early_stopping = self.early_stopping and not one_epoch
        if early_stopping and members:
            # The fold networks have found how long to train: the final one
            # trains on all the data for the median of their best epochs.
            epochs = int(np.ceil(np.median([m.best_epoch_ + 1 for m in members])))
            early_stopping = False
        use_validation = early_stopping or (
            not one_epoch and self._tunes_thresholds() and oof_scores is None
        )
        X_fit, Y_fit, w_fit, validation = X, Y, sample_weight, None
        if fold is not None:
            train, val = fold
            if early_stopping:
                validation = (X[val], Y[val], sample_weight[val])
            X_fit, Y_fit, w_fit = X[train], Y[train], sample_weight[train]
        elif use_validation:  # (without it, no copy of the training data)
            train, val = self._validation_split(X.shape[0], seed)
            validation = (X[val], Y[val], sample_weight[val])
            X_fit, Y_fit, w_fit = X[train], Y[train], sample_weight[train]
        loss = K.make_loss(
            self.loss,
            from_logits=self._from_logits,
            pos_weight=self._pos_weight(Y_fit),
            dtype=self.dtype,
        )
        history, best_epoch = K.train(
            self._network, optimizer, loss,
            X_fit, Y_fit, w_fit,
            validation=validation,
            epochs=epochs or self.epochs,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            early_stopping=early_stopping,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            seed=seed,
            verbose=self.verbose,
            engine=self.engine,
        )  # fmt: skip
        if incremental and hasattr(self, "history_"):
            history = {
                key: self.history_.get(key, []) + values
                for key, values in history.items()
            }
            best_epoch += len(self.loss_curve_)
        self._every_sample_labelled = every_sample_labelled
        self.history_ = history
        self.loss_curve_ = history["loss"]
        self.best_epoch_ = best_epoch
        if oof_scores is not None:
            validation = (None, Y, oof_scores)
        self.thresholds_ = self._fit_thresholds(validation, seed)
        return self

    def _validate_X(self, X, *, reset):
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float32, np.float64],
            allow_nd=True,
        )
        if sp.issparse(X):
            X = X.tocsr().astype(self.dtype)
        if not reset and tuple(X.shape[1:]) != self._input_shape:
            raise ValueError(
                f"X has shape {X.shape[1:]} per sample, but "
                f"{type(self).__name__} was fitted with {self._input_shape}."
            )
        return X

    @staticmethod
    def _check_weights(sample_weight, X):
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        if sample_weight is not None and not np.any(weights > 0):
            raise ValueError(
                "Sample weights must contain at least one non-zero number."
            )
        return weights

    def _validation_split(self, n_samples, seed):
        n_val = math.ceil(self.validation_fraction * n_samples)
        if n_samples - n_val < 1:
            raise ValueError(
                f"The validation split (validation_fraction="
                f"{self.validation_fraction}) leaves no training sample out of "
                f"n_samples={n_samples}; use more samples or "
                "early_stopping=False."
            )
        return train_test_split(
            np.arange(n_samples), test_size=n_val, random_state=seed
        )

    def _pos_weight(self, Y):
        if self.pos_weight is None:
            return None
        if isinstance(self.pos_weight, str):  # "balanced"
            positives = Y.sum(axis=0)
            negatives = Y.shape[0] - positives
            return np.where(positives > 0, negatives / np.maximum(positives, 1), 1.0)
        weights = np.asarray(self.pos_weight, dtype=float).ravel()
        if weights.shape[0] != self.n_outputs_ or np.any(weights <= 0):
            raise ValueError(
                f"pos_weight must hold {self.n_outputs_} positive values (one "
                f"per output); got {self.pos_weight!r}."
            )
        return weights

    def _build_model(self, input_shape, n_outputs, seed):
        """Build the network: override in a subclass for a custom default."""
        K = _keras()
        if self.model is not None:
            with K.seeded_keras(seed):
                return self.model(input_shape, n_outputs)
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        dropout = self.dropout
        if dropout == "auto":
            dropout = [0.5 if units >= 100 else 0.2 for units in sizes]
        return K.build_mlp(
            input_shape,
            n_outputs,
            sizes,
            activation=K.keras_activation(self.activation),
            dropout=dropout,
            alpha=self.alpha,
            seed=seed,
            dtype=self.dtype,
            sparse=getattr(self, "_sparse_input", False),
        )

    def _make_optimizer(self, K):
        optimizer = K.make_optimizer(self.optimizer, self.learning_rate_init)
        optimizer.build(self._network.trainable_variables)
        return optimizer

    # ------------------------------------------------------------------
    # thresholds
    # ------------------------------------------------------------------
    def _tunes_thresholds(self):
        return isinstance(self.threshold, str) and self.threshold == "auto"

    def _fit_thresholds(self, validation, seed):
        if not self._tunes_thresholds():
            return resolve_thresholds(self.threshold, self.n_outputs_)
        if validation is None or self._target_encoder.kind == "multiclass":
            # partial_fit has no held-out data; multiclass predicts by argmax.
            return getattr(self, "thresholds_", np.full(self.n_outputs_, 0.5))
        X_val, Y_val, scores = validation
        if X_val is not None:  # the final network's held-out split
            network_scores = _keras().predict_scores(
                self._network, X_val, from_logits=self._from_logits, engine=self.engine
            )
            scores = [network_scores]
        # One set of thresholds per repeat of the folds, averaged: each is a
        # noisy estimate, and their mean transfers better to the ensemble.
        return np.mean([self._tune(Y_val, s, seed) for s in scores], axis=0)

    def _tune(self, Y, scores, seed):
        """Thresholds for one set of held-out scores, bagged over bootstrap
        resamples when ``threshold_bootstrap`` > 0."""
        result = tune_thresholds(Y, scores, scoring=self.threshold_scoring)
        if not self.threshold_bootstrap:
            return result.thresholds
        rng = np.random.default_rng(seed)
        n = Y.shape[0]
        resamples = (rng.integers(0, n, n) for _ in range(self.threshold_bootstrap))
        bagged = np.mean(
            [
                tune_thresholds(
                    Y[i], scores[i], scoring=self.threshold_scoring
                ).thresholds
                for i in resamples
            ],
            axis=0,
        )
        # The rare-label rule counts the real samples, not a resample's.
        return np.where(result.tuned, bagged, result.thresholds)

    def _out_of_fold_scores(self, X, Y, sample_weight, seed):
        """Per repeat of ``threshold_cv`` folds (stratified for multi-label Y),
        the sigmoid scores of every training sample from a network that did
        not see it; and the fold networks."""
        from ._stratify import IterativeStratifiedKFold

        if self._target_encoder.kind == "multiclass":
            return None, []
        template = clone(self).set_params(threshold=0.5, warm_start=False, verbose=0)
        n_folds = self.threshold_cv
        all_scores, members = [], []
        for repeat in range(self.threshold_cv_repeats):
            # Seeds: repeat r splits with seed + r (k + 1) and seeds its
            # networks with the k values after it, so no two draws share one.
            base = seed + repeat * (n_folds + 1)
            folds = IterativeStratifiedKFold(n_splits=n_folds, random_state=base)
            scores = np.zeros(Y.shape, dtype=float)
            for k, (train, test) in enumerate(folds.split(X, Y)):
                member = clone(template).set_params(random_state=base + k + 1)
                # Early stopping on the held-out fold rather than on a split
                # of the training folds: the network learns from 80 % of the
                # data, not 72 %, and stops on a larger sample.
                member._fit(
                    X, Y, sample_weight, incremental=False, fold=(train, test)
                )  # fmt: skip
                scores[test] = member._network_scores(X[test])
                members.append(member)
            all_scores.append(scores)
        return all_scores, members

    def _current_thresholds(self):
        if self._tunes_thresholds():
            return self.thresholds_
        return resolve_thresholds(self.threshold, self.n_outputs_)

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _networks(self):
        """The networks whose probabilities ``predict`` averages."""
        members = getattr(self, "_member_networks", [])
        return [self._network, *members] if self.ensemble else [self._network]

    def _network_scores(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        K = _keras()
        with K.precision(self.dtype):
            scores = [
                K.predict_scores(
                    network, X, from_logits=self._from_logits, engine=self.engine
                )
                for network in self._networks()
            ]
        return scores[0] if len(scores) == 1 else np.mean(scores, axis=0)

    def predict_proba(self, X):
        """Probability of each label (or class).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_labels)
            Independent sigmoid probability of each label. For binary ``y``,
            shape (n_samples, 2); for multiclass ``y``, the per-class sigmoids
            normalised to sum to one.
        """
        scores = self._network_scores(X)
        return self._target_encoder.proba(scores)

    def decision_function(self, X):
        """Logits of the network's outputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        logits : ndarray of shape (n_samples, n_outputs) or (n_samples,)
            Pre-sigmoid scores; 1-D for binary ``y``. With an ensemble (see
            ``ensemble``), the logits of the averaged probabilities.
        """
        check_is_fitted(self)
        if len(self._networks()) > 1:
            p = np.clip(self._network_scores(X), 1e-7, 1 - 1e-7)
            logits = np.log(p) - np.log1p(-p)
        else:
            X = self._validate_X(X, reset=False)
            K = _keras()
            with K.precision(self.dtype):
                logits = K.predict_logits(
                    self._network, X, from_logits=self._from_logits, engine=self.engine
                )
        return logits.ravel() if self._target_encoder.kind == "binary" else logits

    def predict(self, X):
        """Predict labels by cutting each probability at its threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray or list of tuples
            A 0/1 indicator matrix of shape (n_samples, n_labels), a list of
            label tuples when fitted on label sets, or 1-D classes for 1-D y.
        """
        scores = self._network_scores(X)
        return self._target_encoder.decode(self._decide(scores), scores)

    def _decide(self, scores):
        """0/1 decisions: thresholds, then the min/max labels per sample."""
        thresholds = self._current_thresholds()
        if self._target_encoder.kind == "binary":
            return (scores >= thresholds).astype(int)
        return decode(
            scores, thresholds, min_labels=self.min_labels_, max_labels=self.max_labels
        )

    @property
    def min_labels_(self):
        """The floor of labels per prediction: ``min_labels`` resolved."""
        check_is_fitted(self)
        if self.min_labels == "auto":
            return int(self._every_sample_labelled)
        return self.min_labels

    def score(self, X, y, sample_weight=None):
        """Subset accuracy: the fraction of samples whose labels are all right.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.

        y : array-like, sparse matrix or list of label sets
            True labels, in the form used in fit.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Subset accuracy of ``self.predict(X)``.
        """
        check_is_fitted(self)
        if self._target_encoder.kind in ("binary", "multiclass"):
            return super().score(X, y, sample_weight=sample_weight)
        Y_pred = self._decide(self._network_scores(X))
        Y_true = self._target_encoder.transform(y)
        return accuracy_score(Y_true, Y_pred, sample_weight=sample_weight)

    # ------------------------------------------------------------------
    # scikit-learn plumbing
    # ------------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags

    def __getstate__(self):
        state = super().__getstate__().copy()
        state.pop("_optimizer", None)  # optimizer state is not kept on pickling
        state.pop("_network", None)  # a view of model_, rebuilt on loading
        state.pop("_member_networks", None)  # views of members_, likewise
        if "model_" in state:
            state["model_"] = _keras().model_to_bytes(state["model_"])
        if state.get("members_"):
            state["members_"] = [_keras().model_to_bytes(m) for m in state["members_"]]
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            K = _keras()

            def load(data):
                model = K.model_from_bytes(data)
                network, _ = K.check_model(
                    model, state["_input_shape"], state["n_outputs_"]
                )
                return model, network

            model, network = load(state["model_"])
            members = [load(data) for data in state.get("members_", [])]
            state = dict(
                state,
                model_=model,
                _network=network,
                members_=[m for m, _ in members],
                _member_networks=[n for _, n in members],
            )
        super().__setstate__(state)
