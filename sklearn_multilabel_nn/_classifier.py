"""MultiLabelNNClassifier: the scikit-learn face of a Keras sigmoid network.

This module never imports Keras: everything Keras happens in ``_keras``, whose
functions load it on first use. ``fit`` reads straight down: validate ``X``,
``y`` and ``sample_weight`` once; build the network; for ``threshold="auto"``
train fold networks on row indices of the validated arrays and pool their
out-of-fold scores (``_threshold_cv``); train the final network; tune.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MultiOutputMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._keras._names import ACTIVATIONS, OPTIMIZERS
from ._objectives import THRESHOLD_SCORINGS, Objective
from ._targets import TargetEncoder
from ._threshold_cv import DEFAULT_SCORING, ThresholdSearch, plan_folds, pool_scores
from ._thresholds import decode, resolve_thresholds
from ._validation import check_rectangular


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
        where dropping half the units would cost too much capacity; chosen by
        cross-validation on the training splits of the yeast and scene
        benchmarks and on the seed problem (see ``benchmarks/``).

    alpha : float, default=0.0
        L2 penalty on the weights of every ``Dense`` layer of the default
        network.

    n_heads : int, default=1
        Heads of a TabM ensemble inside the default network (TabM-mini,
        Gorishniy et al., ICLR 2025): the input is copied to ``n_heads``
        heads, each scaled by its own trainable vector (initialised with
        random signs), the hidden layers are shared, every head has its own
        output layer and is trained on its own loss, and the network outputs
        the mean of the heads' probabilities. It costs about ``n_heads``
        times the computation of one head. 1 (a plain MLP) is the default:
        in cross-validation on yeast and scene with ``threshold="auto"``, 8
        to 32 heads did not beat the plain network, whose fold networks
        already form an ensemble (``benchmarks/results/architecture_cv.md``).
        Dense 1-D input only: sparse or N-D ``X`` gets one head.

    feature_embedding : {"auto", "periodic"} or None, default="auto"
        Embeddings of the numerical features before the hidden layers.
        ``"periodic"`` maps each feature ``x`` to ``ReLU(W [cos(2 pi f x),
        sin(2 pi f x)] + b)`` with 16 trainable frequencies ``f`` per
        feature and 16 values per feature (the "PLR-lite" embeddings of
        Gorishniy et al., 2022; ``W`` shared by the features). ``"auto"``
        uses them when the features are continuous (the median feature
        takes at least 32 distinct values in the first 2,000 rows) and at
        most 500; counts, binary or coded features get none. In
        cross-validation they raised scene's micro- and macro-F1 by about
        0.03, left yeast's unchanged and cost accuracy on count features.
        They multiply the training time (by 8 on yeast, 23 on scene, with
        ``threshold="auto"``): a sine and a cosine of 16 values per feature
        and sample, and a first layer 16 times wider. They expect
        standardised features (keep ``normalize``). Dense 1-D input only:
        sparse or N-D ``X`` gets none.

    normalize : bool or "auto", default="auto"
        Standardise the input inside the default network with each
        feature's mean and standard deviation in the training data (a
        ``Standardize`` layer, saved with the network), so unscaled ``X``
        such as counts trains as well as after a ``StandardScaler`` (and
        one in a pipeline changes nothing). ``"auto"`` and True do so for
        dense 1-D ``X``; sparse ``X`` (whose zeros it would fill) and N-D
        ``X`` are left as they are. The statistics are taken when the
        network is built: on the first ``fit`` (kept by warm starts) or the
        first batch of ``partial_fit``.

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
        than ``threshold_min_positives`` positives (or negatives) there keeps
        ``threshold_default``. :class:`TunedThresholdMultiLabelClassifierCV`
        runs the same tuning around any classifier.

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

    threshold_min_positives : int, default=5
        Rare-label rule of ``threshold="auto"``: a label with fewer positive
        (or negative) held-out samples keeps ``threshold_default`` instead of
        a threshold fitted to a handful of samples (``0`` tunes every label).

    threshold_default : float, default=0.5
        Threshold of the labels that ``threshold="auto"`` does not tune.

    threshold_zero_division : {0, 1}, default=0
        Value of a 0/0 score while tuning (see
        :func:`~sklearn_multilabel_nn.tune_thresholds`): ``0`` as
        scikit-learn's metrics, ``1`` as MULAN's. Use the value the model
        will be evaluated with.

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
        The per-output thresholds ``predict`` applies: tuned at fit time for
        ``threshold="auto"``, else ``threshold`` as it is now. After
        ``set_params(threshold="auto")`` on an estimator fitted with a number,
        reading it (or predicting) raises until a refit tunes them.

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
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "feature_embedding": [None, StrOptions({"auto", "periodic"})],
        "normalize": ["boolean", StrOptions({"auto"})],
        "model": [None, callable],
        "loss": [StrOptions({"binary_crossentropy", "focal"}), callable],
        "pos_weight": [None, StrOptions({"balanced"}), "array-like"],
        "optimizer": [StrOptions(set(OPTIMIZERS)), HasMethods(["get_config", "apply"])],
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
            Objective,
            callable,
        ],
        "threshold_cv": [None, Interval(Integral, 2, None, closed="left")],
        "threshold_cv_repeats": [Interval(Integral, 1, None, closed="left")],
        "threshold_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "threshold_min_positives": [Interval(Integral, 0, None, closed="left")],
        "threshold_default": [Interval(Real, 0, 1, closed="both")],
        "threshold_zero_division": [Options(Real, {0, 1})],
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
        n_heads=1,
        feature_embedding="auto",
        normalize="auto",
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
        threshold_scoring=DEFAULT_SCORING,
        threshold_cv=5,
        threshold_cv_repeats=1,
        threshold_bootstrap=20,
        threshold_min_positives=5,
        threshold_default=0.5,
        threshold_zero_division=0,
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
        self.n_heads = n_heads
        self.feature_embedding = feature_embedding
        self.normalize = normalize
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
        self.threshold_min_positives = threshold_min_positives
        self.threshold_default = threshold_default
        self.threshold_zero_division = threshold_zero_division
        self.ensemble = ensemble
        self.min_labels = min_labels
        self.max_labels = max_labels
        self.warm_start = warm_start
        self.dtype = dtype
        self.engine = engine
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------
    # fitting: validate once, encode once, then train networks on row
    # indices of the validated arrays
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
        return self._atomic(self._fit, X, y, sample_weight, warm=warm)

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
        return self._atomic(self._partial_fit, X, y, classes, sample_weight)

    def _atomic(self, method, *args, **kwargs):
        """Run ``method``; if it raises (a bad input found late, divergence,
        Ctrl-C, an error in a custom network), leave the estimator exactly as
        it was: its attributes, and the weights and optimizer state that
        ``partial_fit`` and warm starts change in place."""
        K = _keras()
        saved = dict(self.__dict__)
        weights = K.snapshot(self._net) if hasattr(self, "_net") else None
        try:
            with K.precision(self.dtype):
                return method(*args, **kwargs)
        except BaseException:
            if weights is not None:
                K.restore(weights)
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit(self, X, y, sample_weight, *, warm):
        X, Y, w = self._validate_input(X, y, sample_weight, reset=not warm)
        seed = _draw_seed(self.random_state)
        if not warm:
            self._start_network(X, w, seed)
        else:
            _warn_if_far_outside(X, self._standardized_by())
        # A fresh optimizer for every fit (warm_start keeps the weights).
        self._attach_optimizer(self._net)
        members, pooled, epochs, fold_shapes = self._train_fold_networks(X, Y, w, seed)
        early_stopping = self.early_stopping and not members
        held_out = None
        if early_stopping or (self._tunes_thresholds() and pooled is None):
            held_out = self._validation_split(X.shape[0], seed)
        self._say_final(X.shape[0], held_out, epochs, n_members=len(members))
        # The final network trains through its fold networks' program.
        like = fold_shapes if held_out is None else (0, 0)
        history, best_epoch = self._train_network(
            self._net, X, Y, w, *(held_out or (None, None)), seed=seed,
            epochs=epochs or self.epochs, early_stopping=early_stopping, like=like,
        )  # fmt: skip
        self._record_training(history, best_epoch, Y, append=warm)
        self._warn_if_not_learned(X, Y, w)
        # Members are kept only as trained with the final network.
        self._members = members if self.ensemble else []
        self.members_ = [member.model for member in self._members]
        # Scores of the held-out rows, only for thresholds to tune from them.
        if pooled is None and held_out is not None and self._tunes_thresholds():
            val = held_out[1]
            pooled = [self._predict_network(self._net, X[val])]
            Y = Y[val]
        self._tuned_thresholds = self._fit_thresholds(Y, pooled, seed)
        return self

    def _partial_fit(self, X, y, classes, sample_weight):
        first = not hasattr(self, "model_")
        X, Y, w = self._validate_input(
            X, y, sample_weight, reset=first, classes=classes
        )
        seed = _draw_seed(self.random_state)
        if first:
            self._start_network(X, w, seed)
        else:
            _warn_if_far_outside(X, self._standardized_by())
        if self._net.optimizer is None:  # kept between partial_fit calls
            self._attach_optimizer(self._net)
        history, best_epoch = self._train_network(
            self._net, X, Y, w, seed=seed, epochs=1, early_stopping=False
        )
        self._record_training(history, best_epoch, Y, append=not first)
        # One epoch of the final network alone: fold networks no longer match.
        self._members, self.members_ = [], []
        self._tuned_thresholds = self._fit_thresholds(Y, None, seed)
        return self

    def _validate_input(self, X, y, sample_weight, *, reset, classes=None):
        """``X``, the encoded 0/1 ``Y`` and the weights, checked together
        (and the parameters whose check needs the data)."""
        self._hidden_layer_sizes()
        X = self._validate_X(X, reset=reset)
        if reset:
            encoder = TargetEncoder()
            Y = encoder.fit_transform(y, classes=classes)
        else:
            encoder = self._target_encoder
            Y = encoder.transform(y)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y have different numbers of samples: {X.shape[0]} "
                f"and {Y.shape[0]}."
            )
        w = self._check_weights(sample_weight, X)
        if not self._tunes_thresholds():  # refused now, not at predict
            resolve_thresholds(self.threshold, encoder.n_outputs())
        if reset:
            self._target_encoder = encoder
            self.classes_ = encoder.classes_
            self.n_outputs_ = encoder.n_outputs()
        return X, Y, w

    def _hidden_layer_sizes(self):
        """``hidden_layer_sizes`` as a list of positive ints, or a clear error."""
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not all(isinstance(u, Integral) and u >= 1 for u in sizes):
            raise ValueError(
                "hidden_layer_sizes must hold positive integers (units per "
                f"hidden layer); got {self.hidden_layer_sizes!r}."
            )
        return [int(u) for u in sizes]

    def _start_network(self, X, w, seed):
        """Build the final network for the validated training data ``X``
        (and its sample weights ``w``)."""
        self._input_shape = tuple(X.shape[1:])
        self._sparse_input = sp.issparse(X)
        self._input_statistics = _feature_statistics(X, w)
        self._continuous_input = _looks_continuous(X)
        self._every_sample_labelled = True
        self.model_ = self._build_model(self._input_shape, self.n_outputs_, seed)
        self._net = _keras().check_model(
            self.model_, self._input_shape, self.n_outputs_
        )

    def _new_network(self, seed):
        """A fold network: the same architecture, its own seed."""
        K = _keras()
        model = self._build_model(self._input_shape, self.n_outputs_, seed)
        return self._attach_optimizer(
            K.check_model(model, self._input_shape, self.n_outputs_)
        )

    def _attach_optimizer(self, network):
        return _keras().attach_optimizer(
            network, self.optimizer, self.learning_rate_init
        )

    def _train_network(self, network, X, Y, w, train=None, held_out=None, *,
                       seed, epochs, early_stopping, like=(0, 0)):  # fmt: skip
        """Train ``network`` on rows of the validated arrays: on ``train``
        (None: every row), watching the loss on ``held_out`` (None: none) and,
        with ``early_stopping``, stopping on it. ``like``: the (training,
        validation) rows of the run whose compiled program to share (see
        ``TrainingConfig.rows_like``)."""
        K = _keras()
        validation = None
        if held_out is not None:
            validation = (X[held_out], Y[held_out], w[held_out])
        if train is not None:
            X, Y, w = X[train], Y[train], w[train]
        loss = K.make_loss(
            self.loss,
            from_logits=network.from_logits,
            pos_weight=self._pos_weight(Y),
            dtype=self.dtype,
        )
        config = K.TrainingConfig(
            epochs=epochs, batch_size=self.batch_size, shuffle=self.shuffle,
            early_stopping=early_stopping, n_iter_no_change=self.n_iter_no_change,
            tol=self.tol, seed=seed, verbose=self.verbose, engine=self.engine,
            memory_bytes=_memory_bytes(), rows_like=like[0],
            validation_rows_like=like[1],
        )  # fmt: skip
        history, best_epoch = K.train(
            network, loss, X, Y, w, validation=validation, config=config
        )
        ran = len(history["loss"])
        if validation is not None and early_stopping and ran < epochs:
            self._say(
                f"Early stopping after epoch {ran}: the validation loss did not "
                f"improve by more than tol={self.tol} for {self.n_iter_no_change} "
                f"epochs; keeping the weights of epoch {best_epoch + 1}."
            )
        return history, best_epoch

    def _say(self, message):
        """A progress line, when ``verbose``."""
        if self.verbose:
            print(message, flush=True)

    def _say_final(self, n_rows, held_out, epochs, n_members):
        if not self.verbose:
            return
        if held_out is not None:
            where = f"on {held_out[0].size} rows, watching {held_out[1].size}"
        else:
            where = f"on all {n_rows} rows"
        budget = f"up to {self.epochs} epochs"
        if epochs is not None:
            budget = (
                f"{epochs} epochs (the median best epoch of the {n_members} fold "
                f"networks; epochs={self.epochs} was the budget)"
            )
        self._say(f"Final network: {budget}, {where}")

    def _train_fold_networks(self, X, Y, w, seed):
        """For ``threshold="auto"`` with ``threshold_cv`` folds: the fold
        networks, each repeat's out-of-fold scores, the epoch count of the
        final network (the median of the fold networks' best epochs when they
        stopped early) and the (training, validation) rows of the fold
        networks' compiled program, for the final network to share (see
        ``TrainingConfig.rows_like``); ``([], None, None, (0, 0))`` otherwise."""
        tuned = self._tunes_thresholds() and self.threshold_cv
        if not tuned or self._target_encoder.kind == "multiclass":
            return [], None, None, (0, 0)
        folds = plan_folds(
            Y, self.threshold_cv, n_repeats=self.threshold_cv_repeats, seed=seed
        )
        members, fold_scores, epochs = [], [], []
        # Padded like the final network's arrays, so that it reuses their
        # compiled program (see TrainingConfig.rows_like).
        like = (X.shape[0], 0)
        for i, fold in enumerate(folds):
            self._say(
                f"Fold network {i + 1}/{len(folds)} (threshold='auto'): training "
                f"on {fold.train.size} rows"
                + (f", stopping on {fold.test.size}" if self.early_stopping else "")
            )
            seed = _draw_seed(fold.seed)
            network = self._new_network(seed)
            # Early stopping on the held-out fold rather than on a split of
            # the training folds: the network learns from 80 % of the data,
            # not 72 %, and stops on a larger sample.
            held_out = fold.test if self.early_stopping else None
            _, best_epoch = self._train_network(
                network, X, Y, w, fold.train, held_out, seed=seed,
                epochs=self.epochs, early_stopping=self.early_stopping, like=like,
            )  # fmt: skip
            fold_scores.append(self._predict_network(network, X[fold.test]))
            members.append(network)
            epochs.append(best_epoch + 1)
        pooled = pool_scores(folds, fold_scores, Y.shape)
        final_epochs = int(np.ceil(np.median(epochs))) if self.early_stopping else None
        validation_rows = 0
        if self.early_stopping:
            validation_rows = max(fold.test.size for fold in folds)
        return members, pooled, final_epochs, (X.shape[0], validation_rows)

    def _warn_if_not_learned(self, X, Y, w):
        """Warn when the trained network predicts the training data worse
        than predicting each label's frequency for every sample (e.g. too
        high a learning rate): it then carries no information, which must
        not go unnoticed. One forward pass, without dropout."""
        if self.loss != "binary_crossentropy" or self.alpha > 0:
            return  # no closed-form baseline for other losses
        pos_weight = self._pos_weight(Y)
        pos_weight = 1.0 if pos_weight is None else pos_weight

        def cross_entropy_sum(p, Y, w):
            p = np.clip(p, 1e-7, 1 - 1e-7)
            terms = np.where(Y == 1, pos_weight * np.log(p), np.log1p(-p))
            return -float(np.dot(w, terms.mean(axis=1)))

        # Rows in pieces, so that the scores and their float64 temporaries
        # (about eight values per label and row) stay within a sixteenth of
        # working_memory: on large data they would be several times X.
        rows = max(1, int(_memory_bytes() / 16 // (64 * Y.shape[1])))
        total, positives = 0.0, np.zeros(Y.shape[1])
        for part in gen_batches(X.shape[0], rows):
            w_part = w[part].astype(np.float64)
            scores = self._predict_network(self._net, X[part])
            total += cross_entropy_sum(scores, Y[part], w_part)
            positives += w_part @ Y[part]
        loss = total / float(np.sum(w, dtype=np.float64))
        # Predicting the weighted label frequency f for every sample: its
        # weighted mean loss per label is -(pos_weight f log f + (1-f) log(1-f)).
        frequency = positives / float(np.sum(w, dtype=np.float64))
        f = np.clip(frequency, 1e-7, 1 - 1e-7)
        baseline = -float(
            np.mean(pos_weight * frequency * np.log(f) + (1 - frequency) * np.log1p(-f))
        )
        if loss > baseline + 1e-3:
            warnings.warn(
                f"The trained network's loss on its training data is {loss:.4g}, "
                f"worse than the {baseline:.4g} of predicting each label's "
                "frequency for every sample: it has not learned. Train longer, "
                "or lower learning_rate_init and scale the features.",
                ConvergenceWarning,
                stacklevel=6,  # the caller of fit
            )

    def _record_training(self, history, best_epoch, Y, *, append):
        if append and hasattr(self, "history_"):
            history = {
                key: self.history_.get(key, []) + values
                for key, values in history.items()
            }
            best_epoch += len(self.loss_curve_)
        self.history_ = history
        self.loss_curve_ = history["loss"]
        self.best_epoch_ = best_epoch
        # For min_labels="auto": did every sample seen in training have a label?
        labelled = bool(Y.any(axis=1).all())
        self._every_sample_labelled = labelled and (
            not append or getattr(self, "_every_sample_labelled", True)
        )

    def _validate_X(self, X, *, reset):
        check_rectangular(X)
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float32, np.float64],
            allow_nd=True,
        )
        _check_float_range(X, self.dtype)  # before a cast could make inf
        if sp.issparse(X):
            X = X.tocsr().astype(self.dtype, copy=False)  # no copy of float32 CSR
        if not reset and tuple(X.shape[1:]) != self._input_shape:
            raise ValueError(
                f"X has shape {X.shape[1:]} per sample, but "
                f"{type(self).__name__} was fitted with {self._input_shape}."
            )
        return X

    def _check_weights(self, sample_weight, X):
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.dtype(self.dtype), ensure_non_negative=True
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
        try:
            weights = np.asarray(self.pos_weight, dtype=float).ravel()
        except (TypeError, ValueError):
            weights = np.array([np.nan])
        if (
            weights.shape[0] != self.n_outputs_
            or not np.all(np.isfinite(weights))
            or np.any(weights <= 0)
        ):
            raise ValueError(
                f"pos_weight must hold {self.n_outputs_} positive finite values "
                f"(one per output); got {self.pos_weight!r}."
            )
        return weights

    def _build_model(self, input_shape, n_outputs, seed):
        """Build the network: override in a subclass for a custom default."""
        K = _keras()
        if self.model is not None:
            with K.seeded_keras(seed):
                return self.model(input_shape, n_outputs)
        sizes = self._hidden_layer_sizes()
        dropout = self.dropout
        if dropout == "auto":
            dropout = [0.5 if units >= 100 else 0.2 for units in sizes]
        sparse = getattr(self, "_sparse_input", False)
        dense = not sparse and len(input_shape) == 1
        statistics = getattr(self, "_input_statistics", None)
        return K.build_mlp(
            input_shape,
            n_outputs,
            sizes,
            activation=K.keras_activation(self.activation),
            dropout=dropout,
            alpha=self.alpha,
            n_heads=self._resolved_heads(dense),
            embedding=_PERIODIC if self._embeds(input_shape, dense) else None,
            statistics=statistics if self._normalizes(dense) else None,
            seed=seed,
            dtype=self.dtype,
            sparse=sparse,
        )

    def _resolved_heads(self, dense):
        """Heads of the default network: one for sparse or N-D input."""
        return int(self.n_heads) if dense else 1

    def _standardized_by(self):
        """The (means, scales) the fitted default network standardises its
        input with, or None."""
        if self.model is not None or not self._normalizes(True):
            return None
        return getattr(self, "_input_statistics", None)

    def _normalizes(self, dense):
        """Whether the default network standardises its input."""
        return dense and self.normalize in ("auto", True)

    def _embeds(self, input_shape, dense):
        """Whether the default network embeds its features periodically."""
        if self.feature_embedding == "auto":
            return (
                dense
                and getattr(self, "_continuous_input", False)
                and input_shape[0] <= _MAX_EMBEDDED_FEATURES
            )
        return dense and self.feature_embedding == "periodic"

    # ------------------------------------------------------------------
    # thresholds
    # ------------------------------------------------------------------
    def _tunes_thresholds(self):
        return isinstance(self.threshold, str) and self.threshold == "auto"

    def _threshold_search(self):
        return ThresholdSearch(
            scoring=self.threshold_scoring,
            min_positives=self.threshold_min_positives,
            default_threshold=self.threshold_default,
            zero_division=self.threshold_zero_division,
            bootstrap=self.threshold_bootstrap,
        )

    def _fit_thresholds(self, Y, pooled, seed):
        """Tuned thresholds from the held-out scores ``pooled`` (one array per
        repeat of the folds); None when ``threshold`` is not "auto"."""
        if not self._tunes_thresholds():
            return None
        if pooled is None or self._target_encoder.kind == "multiclass":
            # partial_fit has no held-out data (it keeps what it had);
            # multiclass predicts by argmax.
            previous = getattr(self, "_tuned_thresholds", None)
            if previous is not None:
                return previous
            return np.full(self.n_outputs_, float(self.threshold_default))
        thresholds, _ = self._threshold_search().tune(Y, pooled, seed)
        return thresholds

    @property
    def thresholds_(self):
        """The per-output thresholds ``predict`` applies now: the tuned ones
        for ``threshold="auto"``, else ``threshold`` broadcast."""
        check_is_fitted(self)
        if not self._tunes_thresholds():
            return resolve_thresholds(self.threshold, self.n_outputs_)
        if self._tuned_thresholds is None:
            raise NotFittedError(
                f"threshold='auto' needs tuned thresholds, but this "
                f"{type(self).__name__} was fitted with a numeric threshold; "
                "refit it to tune thresholds."
            )
        return self._tuned_thresholds

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _networks(self):
        """The networks whose probabilities ``predict`` averages."""
        members = getattr(self, "_members", [])
        return [self._net, *members] if self.ensemble else [self._net]

    def _predict_network(self, network, X, logits=False):
        """Scores (or logits) of one network on validated ``X``."""
        K = _keras()
        predict = K.predict_logits if logits else K.predict_scores
        return predict(network, X, engine=self.engine, memory_bytes=_memory_bytes())

    def _network_scores(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        with _keras().precision(self.dtype):
            scores = [self._predict_network(net, X) for net in self._networks()]
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
            with _keras().precision(self.dtype):
                logits = self._predict_network(self._net, X, logits=True)
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
        thresholds = self.thresholds_
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
        if sample_weight is not None:  # refused as fit refuses them
            sample_weight = self._check_weights(sample_weight, X)
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
        # The network handles are views of model_ and members_, rebuilt on
        # loading; optimizer state is not kept on pickling.
        state.pop("_net", None)
        state.pop("_members", None)
        if "model_" in state:
            K = _keras()
            state["model_"] = K.model_to_bytes(state["model_"])
            state["members_"] = [K.model_to_bytes(m) for m in state["members_"]]
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            K = _keras()

            def load(data):
                model = K.model_from_bytes(data)
                return K.check_model(model, state["_input_shape"], state["n_outputs_"])

            # In the network's precision: float64 weights stay float64 on JAX.
            with K.precision(state.get("dtype", "float32")):
                net = load(state["model_"])
                members = [load(data) for data in state.get("members_", [])]
            state = dict(
                state,
                model_=net.model,
                members_=[member.model for member in members],
                _net=net,
                _members=members,
            )
        super().__setstate__(state)


# Periodic feature embeddings of the default network: (frequencies per
# feature, initial scale of the frequencies, embedding size per feature),
# chosen by cross-validation (benchmarks/bench_architecture.py).
_PERIODIC = (16, 0.1, 16)
# feature_embedding="auto" embeds at most this many features (the cost grows
# with n_features x 16) ...
_MAX_EMBEDDED_FEATURES = 500
# ... and only continuous ones: a feature is continuous when it takes at least
# this many distinct values (counts, binary and coded features take few).
_CONTINUOUS_MIN_DISTINCT = 32
_CONTINUOUS_SAMPLE_ROWS = 2000


def _looks_continuous(X):
    """Whether most features of dense 1-D ``X`` are continuous (at least
    ``_CONTINUOUS_MIN_DISTINCT`` distinct values in the first rows)."""
    if sp.issparse(X) or X.ndim != 2 or X.shape[1] == 0:
        return False
    rows = np.sort(X[:_CONTINUOUS_SAMPLE_ROWS], axis=0)
    distinct = 1 + np.count_nonzero(np.diff(rows, axis=0), axis=0)
    return bool(np.median(distinct) >= _CONTINUOUS_MIN_DISTINCT)


def _feature_statistics(X, w):
    """Mean and standard deviation of each feature of dense ``X``, weighted
    by the sample weights ``w`` (a zero weight drops a row, an integer one
    repeats it), for the network's own standardisation; None for sparse or
    N-D X, which the network does not standardise (and images would cost
    float64 copies of every pixel)."""
    if sp.issparse(X) or X.ndim != 2:
        return None
    w = np.asarray(w, dtype=np.float64)
    total = w.sum()
    mean = sum(w[part] @ X[part].astype(np.float64) for part in _row_blocks(X))
    mean = mean / total
    squares = sum(
        w[part] @ (X[part].astype(np.float64) - mean) ** 2 for part in _row_blocks(X)
    )
    return mean, np.sqrt(squares / total)


def _row_blocks(X):
    """Slices of rows of dense 2-D ``X`` whose float64 copy takes a 64th of
    working_memory (np.average made float64 copies of the whole of X: 800 MB
    for a million rows of 100 features)."""
    rows = max(1, int(_memory_bytes() / 64 // (8 * max(1, X.shape[1]))))
    return gen_batches(X.shape[0], rows)


# Standard deviations from the first fit's data beyond which later rows are
# on another scale (a unit changed, a scaler left out), not outliers.
_FAR_OUTSIDE = 1e6


def _warn_if_far_outside(X, statistics):
    """Warn when dense 2-D ``X`` lies far outside the data whose means and
    scales (``statistics``) the network standardises with: they are fixed
    at the first fit, and ``partial_fit`` or a warm start on such rows
    trains the network on meaningless inputs (and can wreck it)."""
    if statistics is None or sp.issparse(X) or X.ndim != 2 or X.shape[0] == 0:
        return
    mean, scale = statistics
    scale = np.where(scale > 0, scale, 1.0)
    far = max(
        float(np.max(np.abs(X[part].astype(np.float64) - mean) / scale))
        for part in _row_blocks(X)
    )
    if far > _FAR_OUTSIDE:
        warnings.warn(
            f"X lies up to {far:.3g} standard deviations from the data the "
            "network was first fitted on, whose means and scales it "
            "standardises its input with: it now trains on meaningless "
            "inputs. Scale X as the first data were, or fit from scratch.",
            ConvergenceWarning,
            stacklevel=6,  # the caller of fit or partial_fit
        )


def _check_float_range(X, dtype):
    """Refuse values the network's float type cannot hold (they would turn
    into inf, then NaN probabilities)."""
    limit = np.finfo(dtype).max
    if X.dtype.itemsize <= np.dtype(dtype).itemsize:
        return
    values = X.data if sp.issparse(X) else X
    largest = float(np.max(np.abs(values))) if values.size else 0.0
    if largest > limit:
        raise ValueError(
            f"X holds values up to {largest:.3g}, beyond the range of the "
            f"network's {dtype} ({limit:.3g}); scale the features (e.g. "
            "StandardScaler) or use dtype='float64'."
        )


def _draw_seed(random_state):
    """The seed of one fit, drawn from ``random_state`` (as MLPClassifier's
    estimators draw theirs), so an int gives the same fit every time."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _memory_bytes():
    """The engine's budget for densified data: scikit-learn's ``working_memory``."""
    return get_config()["working_memory"] * 2**20
