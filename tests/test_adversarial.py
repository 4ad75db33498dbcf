"""Adversarial inputs against every public entry point (issue 14).

Each case is an entry point, a call and (for calls on a fitted estimator) the
name of the shared fitted estimator it runs on, a deep copy per case. The
harness runs the call and sorts the outcome into one of:

- ``"clear error"``: a ``ValueError``, ``TypeError``, ``FloatingPointError``,
  ``FileNotFoundError`` or ``FileExistsError`` raised from this package or
  scikit-learn, whose message does not speak of internals ("All-NaN slice",
  "broadcast", ...); for the command line, exit status 2 after one ``error:``
  line;
- ``"ok"``: no error, and the case's check of the result found nothing wrong;
- ``"silently wrong"``: no error, but the result is wrong (NaN probabilities,
  a wrong shape, a bad input accepted, divergence without a warning);
- ``"unclear"``: any other exception, or a message from internals;
- ``"corrupted"``: a failed call (or a read-only one) changed the fitted
  estimator: ``predict_proba`` on fixed rows, the network weights, the
  optimizer state or the thresholds differ from before the call.

A case lists the outcomes it accepts (``"clear error"`` for bad input, ``"ok"``
where success is the documented behaviour). ``benchmarks/bench_adversarial.py``
runs every case and prints the counts.
"""

import contextlib
import copy
import csv
import functools
import gzip
import io
import math
import os
import pickle
import shutil
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import tiny_clf

from sklearn_multilabel_nn import (
    MultiLabelNNClassifier,
    TunedThresholdMultiLabelClassifierCV,
    datasets,
    decode,
    load,
    save,
    threshold_curves,
    tune_thresholds,
)
from sklearn_multilabel_nn._cli import main

CLEAR_TYPES = (
    ValueError,
    TypeError,
    FloatingPointError,
    FileNotFoundError,
    FileExistsError,
)
# Words of messages written for NumPy, JAX or Keras developers, not for users.
INTERNALS = (
    "all-nan slice",
    "buffer",
    "out of bounds",
    "broadcast",
    "operands could not",
    "ufunc",
    "xla",
    "tracer",
    "jaxpr",
    "object has no attribute",
    "'nonetype' object",
    "cannot cast",
    "setting an array element",
    "invalid value encountered",
    "overflow encountered",
    "tuple index",
    "list index",
    "unhashable",
    "not subscriptable",
    "takes 0 positional",
    "positional argument",
    "unexpected keyword",
)
USER_FRAMES = ("sklearn_multilabel_nn", os.sep + "sklearn" + os.sep)
ACCEPT_ERROR = frozenset({"clear error"})
ACCEPT_OK = frozenset({"ok"})
ACCEPT_EITHER = frozenset({"clear error", "ok"})

N, N_FEATURES, N_LABELS = 40, 5, 3


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, N_FEATURES))
    Y = (rng.random((N, N_LABELS)) < 0.4).astype(int)
    Y[:2] = [[1, 1, 1], [0, 0, 0]]  # every label has positives and negatives
    return X, Y


X, Y = _data()
X_CHECK = X[:8].copy()  # the rows whose probabilities must not change


def tiny(**params):
    """conftest's tiny estimator, tinier still (a fit takes milliseconds once
    compiled)."""
    return tiny_clf(**{"hidden_layer_sizes": (4,), "epochs": 2, "batch_size": 16,
                       **params})  # fmt: skip


@functools.cache
def fitted(name):
    """The shared fitted estimators; cases run on deep copies."""
    if name == "clf":
        return tiny().fit(X, Y)
    if name == "partial":  # keeps its optimizer state between calls
        return tiny().partial_fit(X, Y).partial_fit(X, Y)
    if name == "tuner":
        return TunedThresholdMultiLabelClassifierCV(
            tiny(), cv=2, min_positives=1, random_state=0
        ).fit(X, Y)
    raise KeyError(name)


@functools.cache
def workdir():
    """A folder of files for the reader, persistence and CLI cases."""
    path = tempfile.mkdtemp(prefix="adversarial-")
    import atexit

    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _path(name):
    return os.path.join(workdir(), name)


def _write(name, content, mode="w"):
    path = _path(name)
    with open(path, mode) as f:
        f.write(content)
    return path


def _good_csv(name="good.csv", X=X, Y=Y):
    path = _path(name)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([f"x{j}" for j in range(X.shape[1])] + ["a", "b", "c"])
        writer.writerows(np.hstack([X, Y]).tolist())
    return path


@functools.cache
def model_file():
    path = _path("model.mlnn")
    save(fitted("clf"), path)
    return path


# ----------------------------------------------------------------------------
# the state of a fitted estimator, and the classification of an outcome
# ----------------------------------------------------------------------------
def state(est):
    """What a failed call must leave as it was."""
    inner = getattr(est, "estimator_", est)
    out = {
        "proba": est.predict_proba(X_CHECK),
        "weights": [np.array(w, copy=True) for w in inner.model_.get_weights()],
        "thresholds": _thresholds(est, inner),
        "n_features_in_": est.n_features_in_,
        "classes_": np.asarray(est.classes_).tolist(),
    }
    optimizer = getattr(getattr(inner, "_net", None), "optimizer", None)
    if optimizer is not None:
        out["optimizer"] = [np.array(v, copy=True) for v in optimizer.variables]
    return out


def _thresholds(est, inner):
    """The thresholds in use, or the error reading them raises (a parameter
    set to a bad value makes ``thresholds_`` raise, as ``predict`` does)."""
    if hasattr(est, "best_thresholds_"):
        return np.array(est.best_thresholds_)
    try:
        return np.array(inner.thresholds_)
    except (ValueError, AttributeError) as exc:
        return type(exc).__name__


def _same(a, b):
    if isinstance(a, list):
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _state_change(before, est):
    try:
        after = state(est)
    except Exception as exc:  # noqa: BLE001
        return f"predict_proba fails afterwards ({type(exc).__name__}: {exc})"
    changed = [k for k in before if k not in after or not _same(before[k], after[k])]
    return f"changed: {', '.join(changed)}" if changed else None


def classify_exception(exc):
    """``("clear error" | "unclear", detail)`` of a raised exception."""
    message = str(exc)
    detail = f"{type(exc).__name__}: {message[:200]}"
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1].filename if frames else ""
    if not isinstance(exc, CLEAR_TYPES):
        return "unclear", detail
    if not any(part in where for part in USER_FRAMES):
        return "unclear", f"{detail} (raised in {where})"
    low = message.lower()
    words = [w for w in INTERNALS if w in low]
    if words or not message.strip():
        return "unclear", f"{detail} (internals: {words})"
    return "clear error", detail


@dataclass(frozen=True)
class Case:
    """One adversarial call.

    ``call`` takes the deep copy of ``fitted(on)`` (or nothing when ``on`` is
    None) and returns a result; ``check(result, caught)`` says what is wrong
    with a result (None: nothing), ``caught`` being the warnings raised.
    ``prepare(est)`` runs before the state is taken (``set_params``).
    ``mutates``: a successful call may change the estimator (the fitting
    entry points always may).
    """

    name: str
    entry: str
    call: object
    on: str | None = None
    prepare: object = None
    accept: frozenset = ACCEPT_ERROR
    check: object = None
    mutates: bool = False
    slow: bool = False
    cli: bool = False
    tags: tuple = field(default=())


@dataclass
class Outcome:
    kind: str
    detail: str


def run_case(case):
    """Run one case and classify what happened."""
    est = copy.deepcopy(fitted(case.on)) if case.on else None
    if case.prepare is not None:
        case.prepare(est)
    before = state(est) if est is not None else None
    exc = result = None
    stderr = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if case.cli:
                with (
                    contextlib.redirect_stderr(stderr),
                    contextlib.redirect_stdout(io.StringIO()),
                ):
                    result = case.call()
            else:
                result = case.call(est) if case.on else case.call()
        except Exception as e:  # noqa: BLE001
            exc = e
    if case.cli:
        outcome = _cli_outcome(case, exc, result, stderr.getvalue())
    elif exc is not None:
        outcome = Outcome(*classify_exception(exc))
    else:
        check = case.check or (_accepted if "ok" in case.accept else _should_raise)
        try:
            problem = check(result, caught)
        except Exception as e:  # noqa: BLE001 - the result fails when used
            kind, detail = classify_exception(e)
            problem = None
            outcome = Outcome(
                "silently wrong" if kind == "clear error" else "unclear",
                f"succeeded, then using the result raised {detail}",
            )
        else:
            outcome = (
                Outcome("silently wrong", problem) if problem else Outcome("ok", "")
            )
    mutates = case.mutates or case.entry in ("fit", "partial_fit")
    if est is not None and (exc is not None or not mutates):
        change = _state_change(before, est)
        if change:
            detail = f"{change}; {outcome.kind}: {outcome.detail}"
            outcome = Outcome("corrupted", detail)
    outcome.detail = " ".join(outcome.detail.split())[:300]
    return outcome


def _cli_outcome(case, exc, status, err):
    if exc is not None:
        kind, detail = classify_exception(exc)
        return Outcome("unclear", f"escaped main(): {detail}")
    lines = err.strip().splitlines()
    if status == 0:
        problem = case.check(None, err) if case.check else "exit status 0"
        return Outcome("silently wrong", problem) if problem else Outcome("ok", "")
    if status != 2 or len(lines) != 1 or not lines[0].startswith("error: "):
        return Outcome("unclear", f"exit status {status}; stderr: {err[-300:]!r}")
    low = lines[0].lower()
    words = [w for w in INTERNALS if w in low]
    if words or "traceback" in low:
        return Outcome("unclear", f"{lines[0][:200]} (internals: {words})")
    return Outcome("clear error", lines[0][:200])


def _should_raise(result, caught):
    return "returned without an error" + _warned(caught)


def _warned(caught):
    ours = [str(w.message)[:80] for w in caught if _our_warning(w)]
    return f" (warned: {ours[0]!r})" if ours else " (no warning)"


def _our_warning(w):
    from sklearn.exceptions import ConvergenceWarning

    return (
        "sklearn_multilabel_nn" in w.filename
        or "sklearn" in w.filename
        or issubclass(w.category, ConvergenceWarning)
    )


def _bad_array(a):
    """What is wrong with a returned array of predictions, if anything."""
    a = np.asarray(a)
    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
        return f"non-finite values in the result (shape {a.shape})"
    return None


def _accepted(result, caught):
    if isinstance(result, np.ndarray):
        return _bad_array(result)
    estimators = (MultiLabelNNClassifier, TunedThresholdMultiLabelClassifierCV)
    if isinstance(result, estimators):
        return _predicts_sensibly(result, X[:, : result.n_features_in_])
    return None


def _predicts_sensibly(est, X_):
    proba = est.predict_proba(X_)
    pred = np.asarray(est.predict(X_))
    return _bad_array(proba) or (
        None if pred.shape[0] == X_.shape[0] else f"predict has shape {pred.shape}"
    )


def _proba_of(est):
    """Label probabilities of ``est`` on the training rows."""
    return np.asarray(est.predict_proba(X), dtype=float)


def _diverged_check(X_train, Y_train):
    """A fit that succeeded: finite, and no worse than the label-frequency
    baseline unless it warned."""

    def check(est, caught):
        proba = est.predict_proba(X_train)
        if not np.all(np.isfinite(proba)):
            return "NaN probabilities after training" + _warned(caught)
        p = np.clip(proba, 1e-7, 1 - 1e-7)
        freq = np.clip(Y_train.mean(axis=0), 1e-7, 1 - 1e-7)
        loss = -np.mean(Y_train * np.log(p) + (1 - Y_train) * np.log(1 - p))
        base = -np.mean(Y_train * np.log(freq) + (1 - Y_train) * np.log(1 - freq))
        if loss > base and not any(_our_warning(w) for w in caught):
            spread = float(np.ptp(proba))
            return (
                f"training loss {loss:.3g} worse than the label-frequency "
                f"baseline {base:.3g} (probability spread {spread:.2g}), no warning"
            )
        return None

    return check


def _predicts_class(value, n):
    def check(est, caught):
        pred = np.asarray(est.predict(X[:n]))
        if pred.shape != (n,) or not np.all(pred == value):
            return f"predict gives {pred[:5]!r}... of shape {pred.shape}"
        return _bad_array(est.predict_proba(X[:n]))

    return check


# ----------------------------------------------------------------------------
# the cases
# ----------------------------------------------------------------------------
def _with(X_, i=3, j=1, value=np.nan):
    X_ = np.array(X_, dtype=float)
    X_[i, j] = value
    return X_


BAD_X = {
    "nan": lambda: _with(X, value=np.nan),
    "inf": lambda: _with(X, value=np.inf),
    "-inf": lambda: _with(X, value=-np.inf),
    "1e39": lambda: _with(X, value=1e39),  # finite in float64, inf in float32
    "-1e39": lambda: _with(X, value=-1e39),
    "strings": lambda: np.array([["a"] * N_FEATURES] * N),
    "object-mixed": lambda: np.array([[1.0, "x", None, 2, 3]] * N, dtype=object),
    "complex": lambda: X + 1j,
    "empty-rows": lambda: np.empty((0, N_FEATURES)),
    "zero-features": lambda: np.empty((N, 0)),
    "1-D": lambda: X[:, 0].copy(),
    "nested-ragged": lambda: [[1.0, 2.0], [3.0]] * (N // 2),
    "sparse-nan": lambda: sp.csr_matrix(_with(X, value=np.nan)),
}
WRONG_WIDTH = {
    "4-features": lambda: X[:, :4].copy(),
    "6-features": lambda: np.hstack([X, X[:, :1]]),
}

BAD_Y = {
    "value-2": lambda: np.where(Y == 1, 2, 0),
    "value--1": lambda: np.where(Y == 1, 1, -1),
    "value-0.5": lambda: Y * 0.5,
    "nan": lambda: np.where(Y == 1, np.nan, 0.0),
    "short": lambda: Y[:-5],
    "long": lambda: np.vstack([Y, Y[:3]]),
    "3-D": lambda: Y[:, :, None],
    "strings-2d": lambda: np.where(Y == 1, "yes", "no"),
}

BAD_WEIGHTS = {
    "negative": lambda: -np.ones(N),
    "nan": lambda: np.where(np.arange(N) == 3, np.nan, 1.0),
    "inf": lambda: np.where(np.arange(N) == 3, np.inf, 1.0),
    "wrong-length": lambda: np.ones(N - 1),
    "all-zero": lambda: np.zeros(N),
    "2-D": lambda: np.ones((N, 2)),
}


def _warm(est):
    est.set_params(warm_start=True)


def n_rows(m):
    return np.shape(m)[0] if hasattr(m, "shape") else len(m)


def _cases_X():
    cases = []
    for key, make in {**BAD_X, **WRONG_WIDTH}.items():
        wide = key in WRONG_WIDTH
        if not wide:
            cases += [
                Case(f"fit-X-{key}", "fit",
                     lambda make=make: tiny().fit(make(), Y[: n_rows(make())])),
                Case(f"partial_fit-fresh-X-{key}", "partial_fit",
                     lambda make=make: tiny().partial_fit(make(), Y[: n_rows(make())])),
                Case(f"tuner.fit-X-{key}", "tuner.fit",
                     lambda make=make: TunedThresholdMultiLabelClassifierCV(
                         tiny(), cv=2).fit(make(), Y[: n_rows(make())])),
            ]  # fmt: skip
        cases += [
            Case(f"partial_fit-fitted-X-{key}", "partial_fit",
                 lambda est, make=make: est.partial_fit(make(), Y[: n_rows(make())]),
                 on="partial"),
            Case(f"warm-fit-X-{key}", "fit",
                 lambda est, make=make: est.fit(make(), Y[: n_rows(make())]),
                 on="clf", prepare=_warm),
        ]  # fmt: skip
        for method in ("predict", "predict_proba", "decision_function"):
            cases.append(
                Case(f"{method}-X-{key}", method,
                     lambda est, make=make, m=method: getattr(est, m)(make()),
                     on="clf")
            )  # fmt: skip
        cases += [
            Case(f"score-X-{key}", "score",
                 lambda est, make=make: est.score(make(), Y[: n_rows(make())]),
                 on="clf"),
            Case(f"tuner.predict-X-{key}", "tuner.predict",
                 lambda est, make=make: est.predict(make()), on="tuner"),
            Case(f"tuner.predict_proba-X-{key}", "tuner.predict_proba",
                 lambda est, make=make: est.predict_proba(make()), on="tuner"),
        ]  # fmt: skip
    return cases


def _cases_y():
    cases = []
    for key, make in BAD_Y.items():
        cases += [
            Case(f"fit-y-{key}", "fit", lambda make=make: tiny().fit(X, make())),
            Case(f"partial_fit-fitted-y-{key}", "partial_fit",
                 lambda est, make=make: est.partial_fit(X, make()), on="partial"),
            Case(f"warm-fit-y-{key}", "fit", lambda est, make=make: est.fit(X, make()),
                 on="clf", prepare=_warm),
            Case(f"score-y-{key}", "score",
                 lambda est, make=make: est.score(X, make()), on="clf"),
            Case(f"tuner.fit-y-{key}", "tuner.fit",
                 lambda make=make: TunedThresholdMultiLabelClassifierCV(
                     tiny(), cv=2).fit(X, make())),
        ]  # fmt: skip
    # Documented successes (or a clear refusal) for odd but valid targets.
    ones = np.ones(N, dtype=int)
    cases += [
        Case("fit-y-single-class-1d", "fit", lambda: tiny().fit(X, ones),
             accept=ACCEPT_OK, check=_predicts_class(1, 6)),
        Case("fit-y-single-class-1d-str", "fit",
             lambda: tiny().fit(X, np.array(["spam"] * N)),
             accept=ACCEPT_OK, check=_predicts_class("spam", 6)),
        Case("tuner.fit-y-single-class-1d", "tuner.fit",
             lambda: TunedThresholdMultiLabelClassifierCV(tiny(), cv=2).fit(X, ones)),
        Case("fit-y-all-empty", "fit", lambda: tiny().fit(X, np.zeros_like(Y)),
             accept=ACCEPT_EITHER),
        Case("fit-y-all-empty-label-sets", "fit",
             lambda: tiny().fit(X, [() for _ in range(N)]), accept=ACCEPT_EITHER),
        Case("fit-y-label-never-positive", "fit",
             lambda: tiny().fit(X, np.hstack([Y, np.zeros((N, 1), int)])),
             accept=ACCEPT_OK),
        Case("fit-y-n-by-1", "fit", lambda: tiny().fit(X, Y[:, :1]),
             accept=ACCEPT_OK),
        Case("fit-y-zero-labels", "fit", lambda: tiny().fit(X, Y[:, :0])),
        Case("tuner.fit-y-all-empty", "tuner.fit",
             lambda: TunedThresholdMultiLabelClassifierCV(tiny(), cv=2).fit(
                 X, np.zeros_like(Y)), accept=ACCEPT_EITHER),
        Case("partial_fit-fitted-y-new-label-count", "partial_fit",
             lambda est: est.partial_fit(X, Y[:, :2]), on="partial"),
        Case("partial_fit-fitted-y-label-sets-for-indicator", "partial_fit",
             lambda est: est.partial_fit(X, [(0,)] * N), on="partial"),
    ]  # fmt: skip
    return cases


def _cases_weights():
    cases = []
    for key, make in BAD_WEIGHTS.items():
        cases += [
            Case(f"fit-sample_weight-{key}", "fit",
                 lambda make=make: tiny().fit(X, Y, sample_weight=make())),
            Case(f"partial_fit-fitted-sample_weight-{key}", "partial_fit",
                 lambda est, make=make: est.partial_fit(X, Y, sample_weight=make()),
                 on="partial"),
            Case(f"score-sample_weight-{key}", "score",
                 lambda est, make=make: est.score(X, Y, sample_weight=make()),
                 on="clf"),
        ]  # fmt: skip
    return cases


def _dense_model(activation):
    def model(input_shape, n_outputs):
        import keras

        inputs = keras.Input(shape=input_shape)
        hidden = keras.layers.Dense(4, activation="relu")(inputs)
        out = keras.layers.Dense(n_outputs, activation=activation)(hidden)
        return keras.Model(inputs, out)

    model.__name__ = f"{activation}_model"
    return model


def _not_a_model(value):
    def model(input_shape, n_outputs):
        return value

    return model


def _cases_params():
    bad_fit_params = {
        "epochs=-1": dict(epochs=-1),
        "epochs=0": dict(epochs=0),
        "epochs=1.5": dict(epochs=1.5),
        "batch_size=0": dict(batch_size=0),
        "hidden_layer_sizes=(0,)": dict(hidden_layer_sizes=(0,)),
        "hidden_layer_sizes=(-3,)": dict(hidden_layer_sizes=(-3,)),
        "hidden_layer_sizes=(2.5,)": dict(hidden_layer_sizes=(2.5,)),
        "hidden_layer_sizes='a'": dict(hidden_layer_sizes="a"),
        "learning_rate_init=0": dict(learning_rate_init=0),
        "learning_rate_init=nan": dict(learning_rate_init=float("nan")),
        "alpha=-1": dict(alpha=-1.0),
        "dropout=1": dict(dropout=1.0),
        "threshold=1.5": dict(threshold=1.5),
        "threshold=-0.1": dict(threshold=-0.1),
        "threshold=nan": dict(threshold=float("nan")),
        "threshold=wrong-length": dict(threshold=[0.5, 0.5]),
        "threshold=array-out-of-range": dict(threshold=[0.5, 2.0, 0.5]),
        "threshold=array-nan": dict(threshold=[0.5, np.nan, 0.5]),
        "threshold='high'": dict(threshold="high"),
        "pos_weight=nan": dict(pos_weight=[1.0, np.nan, 1.0]),
        "pos_weight=negative": dict(pos_weight=[1.0, -2.0, 1.0]),
        "pos_weight=zero": dict(pos_weight=[1.0, 0.0, 1.0]),
        "pos_weight=inf": dict(pos_weight=[1.0, np.inf, 1.0]),
        "pos_weight=wrong-length": dict(pos_weight=[1.0, 2.0]),
        "pos_weight=scalar-negative": dict(pos_weight=-1.0),
        "pos_weight=2-D": dict(pos_weight=np.ones((3, 3))),
        "pos_weight=strings": dict(pos_weight=["a", "b", "c"]),
        "min_labels=5": dict(min_labels=5),
        "max_labels=0": dict(max_labels=0),
        "validation_fraction=1": dict(early_stopping=True, validation_fraction=1.0),
        "model=softmax": dict(model=_dense_model("softmax")),
        "model=relu": dict(model=_dense_model("relu")),
        "model=tanh": dict(model=_dense_model("tanh")),
        "model=returns-None": dict(model=_not_a_model(None)),
        "model=returns-str": dict(model=_not_a_model("dense")),
        "model=returns-ndarray": dict(model=_not_a_model(np.zeros(3))),
        "model=wrong-n-outputs": dict(
            model=lambda shape, n: _dense_model("sigmoid")(shape, n + 1)
        ),
        "model=not-callable": dict(model="mlp"),
        "optimizer='sgdd'": dict(optimizer="sgdd"),
        "loss='mse'": dict(loss="mse"),
        "engine='gpu'": dict(engine="gpu"),
        "dtype='float16'": dict(dtype="float16"),
        "threshold_cv=1": dict(threshold="auto", threshold_cv=1),
        "threshold_cv=100": dict(threshold="auto", threshold_cv=100),
    }
    cases = []
    for key, params in bad_fit_params.items():
        # More labels wanted than there are: all of them (or a clear refusal).
        accept = ACCEPT_EITHER if key == "min_labels=5" else ACCEPT_ERROR
        cases += [
            Case(
                f"fit-param-{key}",
                "fit",
                lambda params=params: tiny(**params).fit(X, Y),
                accept=accept,
            ),
        ]
        if "model" in params:  # a warm start keeps the network it has
            continue
        cases.append(
            Case(f"warm-fit-param-{key}", "fit", lambda est: est.fit(X, Y), on="clf",
                 prepare=lambda est, params=params: est.set_params(
                     warm_start=True, **params),
                 accept=accept)
        )  # fmt: skip
    # Parameters read at predict time must be checked at predict time.
    predict_params = {
        "threshold=1.5": dict(threshold=1.5),
        "threshold=-0.1": dict(threshold=-0.1),
        "threshold=nan": dict(threshold=float("nan")),
        "threshold=wrong-length": dict(threshold=[0.5, 0.5]),
        "threshold=auto-after-numeric-fit": dict(threshold="auto"),
        "max_labels=0": dict(max_labels=0),
        "min_labels=-1": dict(min_labels=-1),
    }
    for key, params in predict_params.items():
        prepare = lambda est, params=params: est.set_params(**params)  # noqa: E731
        cases += [
            Case(f"predict-param-{key}", "predict", lambda est: est.predict(X_CHECK),
                 on="clf", prepare=prepare),
            Case(f"score-param-{key}", "score", lambda est: est.score(X, Y),
                 on="clf", prepare=prepare),
        ]  # fmt: skip
    bad_tuner = {
        "cv=1": dict(cv=1),
        "cv=100": dict(cv=100),
        "scoring='nope'": dict(scoring="nope"),
        "default_threshold=2": dict(default_threshold=2.0),
        "min_labels=-1": dict(min_labels=-1),
        "estimator=None": dict(estimator=None),
        "estimator='mlp'": dict(estimator="mlp"),
    }
    for key, params in bad_tuner.items():
        cases.append(
            Case(f"tuner.fit-param-{key}", "tuner.fit",
                 lambda params=params: TunedThresholdMultiLabelClassifierCV(
                     **{"estimator": tiny(), "cv": 2, **params}).fit(X, Y))
        )  # fmt: skip
    cases += [
        Case("tuner.predict-after-max_labels=0", "tuner.predict",
             lambda est: est.predict(X_CHECK), on="tuner",
             prepare=lambda est: est.set_params(max_labels=0)),
        Case("predict-unfitted", "predict", lambda: tiny().predict(X_CHECK)),
        Case("tuner.predict-unfitted", "tuner.predict",
             lambda: TunedThresholdMultiLabelClassifierCV(tiny()).predict(X_CHECK)),
    ]  # fmt: skip
    return cases


def _cases_divergence():
    big = X * 1e3
    return [
        Case("fit-divergence-lr1e6-large-X", "fit",
             lambda: tiny(learning_rate_init=1e6, epochs=3).fit(big, Y),
             accept=ACCEPT_EITHER, check=_diverged_check(big, Y)),
        Case("fit-divergence-lr1e6-sgd", "fit",
             lambda: tiny(learning_rate_init=1e6, optimizer="sgd", epochs=3).fit(
                 big, Y), accept=ACCEPT_EITHER, check=_diverged_check(big, Y)),
        Case("partial_fit-divergence-X*1e30", "partial_fit",
             lambda est: est.partial_fit(X * 1e30, Y), on="partial",
             accept=ACCEPT_EITHER, mutates=True, check=_diverged_check(X, Y)),
        Case("warm-fit-divergence-X*1e30", "fit", lambda est: est.fit(X * 1e30, Y),
             on="clf", prepare=_warm, accept=ACCEPT_EITHER, mutates=True,
             check=_diverged_check(X, Y)),
        Case("fit-X*1e30", "fit", lambda: tiny().fit(X * 1e30, Y),
             accept=ACCEPT_EITHER, check=_diverged_check(X * 1e30, Y)),
    ]  # fmt: skip


def _valid_thresholds(n_labels):
    def check(result, caught):
        t = np.asarray(result[0] if isinstance(result, tuple) else result.thresholds)
        if t.shape != (n_labels,) or not np.all(np.isfinite(t)):
            return f"thresholds {t!r}"
        return None

    return check


def _valid_decoded(shape):
    def check(result, caught):
        r = np.asarray(result)
        if r.shape != shape or not np.isin(r, (0, 1)).all():
            return f"decode gave shape {r.shape}, values {np.unique(r)[:5]!r}"
        return None

    return check


def _cases_thresholds():
    rng = np.random.default_rng(1)
    P = rng.random((N, N_LABELS))
    bad_proba = {
        "above-1": P + 1.0,
        "negative": P - 1.0,
        "nan": _with(P, value=np.nan),
        "inf": _with(P, value=np.inf),
        "rows-mismatch": P[:-3],
        "cols-mismatch": P[:, :2],
        "1-D": P[:, 0],
        "3-D": P[:, :, None],
        "empty": P[:0],
        "strings": P.astype(str),
        "complex": P + 0j,
    }
    bad_Y = {
        "value-2": np.where(Y == 1, 2, 0),
        "value--1": np.where(Y == 1, 1, -1),
        "value-0.5": Y * 0.5,
        "nan": np.where(Y == 1, np.nan, 0.0),
    }
    cases = []
    for key, proba in bad_proba.items():
        cases += [
            Case(f"tune_thresholds-proba-{key}", "tune_thresholds",
                 lambda proba=proba: tune_thresholds(Y, proba)),
            Case(f"threshold_curves-proba-{key}", "threshold_curves",
                 lambda proba=proba: threshold_curves(Y, proba)),
        ]  # fmt: skip
        if key in ("rows-mismatch", "cols-mismatch"):
            continue  # a smaller matrix is valid input to decode
        # decode takes "scores": logits outside [0, 1] (even inf) are
        # legitimate there, so are numbers written as strings and no rows.
        ok_out_of_range = key in ("above-1", "negative", "inf", "empty", "strings")
        cases.append(
            Case(f"decode-proba-{key}", "decode",
                 lambda proba=proba: decode(proba, 0.5),
                 accept=ACCEPT_EITHER if ok_out_of_range else ACCEPT_ERROR,
                 check=_valid_decoded(np.shape(proba)) if ok_out_of_range else None)
        )  # fmt: skip
    for key, Yb in bad_Y.items():
        cases += [
            Case(f"tune_thresholds-Y-{key}", "tune_thresholds",
                 lambda Yb=Yb: tune_thresholds(Yb, P)),
            Case(f"threshold_curves-Y-{key}", "threshold_curves",
                 lambda Yb=Yb: threshold_curves(Yb, P)),
        ]  # fmt: skip
    cases += [
        Case("tune_thresholds-scoring-nope", "tune_thresholds",
             lambda: tune_thresholds(Y, P, scoring="nope")),
        Case("tune_thresholds-min_positives--1", "tune_thresholds",
             lambda: tune_thresholds(Y, P, min_positives=-1)),
        Case("tune_thresholds-default_threshold-2", "tune_thresholds",
             lambda: tune_thresholds(Y, P, default_threshold=2.0)),
        Case("tune_thresholds-zero_division-0.5", "tune_thresholds",
             lambda: tune_thresholds(Y, P, zero_division=0.5)),
        Case("tune_thresholds-callable-returns-nan", "tune_thresholds",
             lambda: tune_thresholds(Y, P, scoring=lambda tp, fp, fn, tn: tp * np.nan),
             accept=ACCEPT_EITHER, check=_valid_thresholds(N_LABELS)),
        Case("decode-thresholds-wrong-length", "decode",
             lambda: decode(P, [0.5, 0.5])),
        Case("decode-thresholds-nan", "decode",
             lambda: decode(P, [0.5, np.nan, 0.5])),
        Case("decode-thresholds-2-D", "decode",
             lambda: decode(P, np.full((N, N_LABELS), 0.5)), accept=ACCEPT_EITHER,
             check=_valid_decoded(P.shape)),
        Case("decode-min_labels--1", "decode", lambda: decode(P, 0.5, min_labels=-1)),
        Case("decode-min_labels-1.5", "decode", lambda: decode(P, 0.5, min_labels=1.5)),
        Case("decode-max_labels-0", "decode", lambda: decode(P, 0.5, max_labels=0)),
        Case("decode-min-above-max", "decode",
             lambda: decode(P, 0.5, min_labels=3, max_labels=1)),
        Case("decode-min_labels-above-n-labels", "decode",
             lambda: decode(P, 0.5, min_labels=10), accept=ACCEPT_EITHER,
             check=_valid_decoded(P.shape)),
        Case("decode-rank_by-nope", "decode", lambda: decode(P, 0.5, rank_by="nope")),
        Case("decode-threshold-str", "decode", lambda: decode(P, "auto")),
    ]  # fmt: skip
    return cases


# --- readers -----------------------------------------------------------------
def _reader_accept(key):
    """Feature values float64 holds (NaN: a missing value, 1e39) are the
    estimator's to refuse; -1 is a LIBSVM label value like any other."""
    if key in ("feature-nan", "feature-1e39", "value-nan", "value-1e39",
               "label-negative"):  # fmt: skip
        return ACCEPT_EITHER
    return ACCEPT_ERROR


def _reader_cases():
    header = ",".join([f"x{j}" for j in range(N_FEATURES)] + ["a", "b", "c"])
    good_row = ",".join(["0.5"] * N_FEATURES + ["1", "0", "1"])

    def row(first, labels):
        return header + "\n" + ",".join([first] + ["0.5"] * 4 + labels)

    csv_files = {
        "truncated-row": header + "\n" + good_row + "\n0.1,0.2\n",
        "extra-cells": header + "\n" + good_row + ",7,8\n",
        "label-2": row("0.5", ["2", "0", "1"]),
        "label-nan": row("0.5", ["nan", "0", "1"]),
        "label-text": row("0.5", ["yes", "0", "1"]),
        "feature-1e39": row("1e39", ["1", "0", "1"]),
        "feature-nan": row("nan", ["1", "0", "1"]),
        "header-only": header + "\n",
        "empty": "",
        "duplicate-columns": "x0,x0,a,b,c\n1,2,1,0,1\n",
        "unterminated-quote": header + '\n"0.5,0.5,0.5,0.5,0.5,1,0,1\n',
    }
    cases = []
    for key, text in csv_files.items():
        cases.append(
            Case(f"load_csv-{key}", "load_csv",
                 lambda key=key, text=text: datasets.load_csv(
                     _write(f"{key}.csv", text), ["a", "b", "c"]),
                 accept=_reader_accept(key))
        )  # fmt: skip
    cases += [
        Case("load_csv-garbled-bytes", "load_csv",
             lambda: datasets.load_csv(
                 _write("garbled.csv", bytes(range(256)) * 4, "wb"), ["a"])),
        Case("load_csv-fake-gzip", "load_csv",
             lambda: datasets.load_csv(_write("fake.csv.gz", "a,b\n1,0\n"), ["b"])),
        Case("load_csv-truncated-gzip", "load_csv",
             lambda: datasets.load_csv(
                 _write("cut.csv.gz", gzip.compress(b"a,b\n1,0\n" * 100)[:40], "wb"),
                 ["b"])),
        Case("load_csv-missing-file", "load_csv",
             lambda: datasets.load_csv(_path("nope.csv"), ["a"])),
        Case("load_csv-folder", "load_csv",
             lambda: datasets.load_csv(workdir(), ["a"])),
        Case("load_csv-label-count-too-big", "load_csv",
             lambda: datasets.load_csv(_good_csv(), 100)),
        Case("load_csv-label-count-zero", "load_csv",  # documented: no labels
             lambda: datasets.load_csv(_good_csv(), 0), accept=ACCEPT_OK),
        Case("load_csv-label-count-negative", "load_csv",
             lambda: datasets.load_csv(_good_csv(), -2)),
    ]  # fmt: skip
    arff_head = (
        "@relation r\n"
        + "".join(f"@attribute x{j} numeric\n" for j in range(3))
        + "@attribute a {0,1}\n@attribute b {0,1}\n@data\n"
    )
    arff_files = {
        "truncated-row": arff_head + "0.1,0.2,0.3,1,0\n0.1,0.2\n",
        "no-data-section": arff_head.replace("@data\n", ""),
        "garbled-header": "@relation r\n@attribute x0 numerik\n@data\n1\n",
        "label-2": arff_head + "0.1,0.2,0.3,2,0\n",
        "label-missing": arff_head + "0.1,0.2,0.3,?,0\n",
        "sparse-huge-index": arff_head + "{0 0.5, 999999999999 1}\n",
        "sparse-negative-index": arff_head + "{-1 0.5, 3 1}\n",
        "sparse-index-past-width": arff_head + "{7 1}\n",
        "feature-1e39": arff_head + "1e39,0.2,0.3,1,0\n",
        "empty": "",
    }
    for key, text in arff_files.items():
        cases.append(
            Case(f"load_arff-{key}", "load_arff",
                 lambda key=key, text=text: datasets.load_arff(
                     _write(f"{key}.arff", text), 2),
                 accept=_reader_accept(key))
        )  # fmt: skip
    cases += [
        Case("load_arff-label-count-too-big", "load_arff",
             lambda: datasets.load_arff(
                 _write("ok.arff", arff_head + "0.1,0.2,0.3,1,0\n"), 9)),
        Case("load_arff-garbled-xml", "load_arff",
             lambda: datasets.load_arff(
                 _write("ok2.arff", arff_head + "0.1,0.2,0.3,1,0\n"),
                 xml=_write("bad.xml", "<labels><label name='a'"))),
        Case("load_arff-xml-unknown-label", "load_arff",
             lambda: datasets.load_arff(
                 _write("ok3.arff", arff_head + "0.1,0.2,0.3,1,0\n"),
                 xml=_write("unk.xml",
                            '<labels xmlns="http://mulan.sourceforge.net/labels">'
                            '<label name="zzz"></label></labels>'))),
    ]  # fmt: skip
    libsvm_files = {
        "truncated-pair": "1 3:\n",
        "garbled": "hello world\n",
        "huge-index": "1 999999999999:1\n",
        "negative-index": "1 -3:1\n",
        "label-text": "a,b 1:1\n",
        "label-negative": "-1 1:1\n",
        "label-float": "0.5 1:1\n",
        "value-nan": "1 1:nan\n",
        "value-1e39": "1 1:1e39\n",
        "empty": "",
    }
    for key, text in libsvm_files.items():
        cases.append(
            Case(f"load_libsvm-{key}", "load_libsvm",
                 lambda key=key, text=text: datasets.load_libsvm(
                     _write(f"{key}.svm", text)),
                 accept=_reader_accept(key))
        )  # fmt: skip
    cases += [
        Case("load_libsvm-n_features-huge", "load_libsvm",
             lambda: datasets.load_libsvm(_write("one.svm", "1 1:1\n"),
                                          n_features=2**40)),
        Case("load_libsvm-n_features-too-small", "load_libsvm",
             lambda: datasets.load_libsvm(_write("two.svm", "1 5:1\n"),
                                          n_features=2)),
        Case("load_libsvm-classes-missing-label", "load_libsvm",
             lambda: datasets.load_libsvm(_write("three.svm", "4 1:1\n"),
                                          classes=[1, 2])),
        Case("load-unknown-extension", "load",
             lambda: datasets.load(_write("data.xyz", "1,2\n"))),
        Case("load-format-nope", "load",
             lambda: datasets.load(_good_csv(), ["a"], format="nope")),
        Case("load-missing", "load", lambda: datasets.load(_path("gone.arff"))),
        Case("load-csv-without-labels", "load", lambda: datasets.load(_good_csv())),
    ]  # fmt: skip
    return cases


# --- persistence -----------------------------------------------------------
def _persistence_cases():
    def pickled():
        path = _path("model.pkl")
        with open(path, "wb") as f:
            pickle.dump(fitted("clf"), f)
        return path

    return [
        Case("load-model-pickle", "load(model)", lambda: load(pickled())),
        Case("load-model-garbage", "load(model)",
             lambda: load(_write("garbage.mlnn", "hello"))),
        Case("load-model-truncated", "load(model)",
             lambda: load(_write("cut.mlnn", open(model_file(), "rb").read()[:300],
                                 "wb"))),
        Case("load-model-missing", "load(model)", lambda: load(_path("none.mlnn"))),
        Case("load-model-csv", "load(model)", lambda: load(_good_csv())),
        Case("save-existing", "save",
             lambda: save(fitted("clf"), _write("exists.mlnn", "old"))),
        Case("save-unfitted", "save", lambda: save(tiny(), _path("unfitted.mlnn")),
             accept=ACCEPT_EITHER),
        Case("save-not-an-estimator", "save", lambda: save(object(), _path("o.mlnn"))),
        Case("save-missing-folder", "save",
             lambda: save(fitted("clf"), _path(os.path.join("no", "m.mlnn")))),
    ]  # fmt: skip


# --- command line ------------------------------------------------------------
TINY_CLI = ["--hidden-layer-sizes", "4", "--epochs", "2", "--batch-size", "16"]


def _cli(*argv_parts):
    def call():
        argv = [part() if callable(part) else part for part in argv_parts]
        return main(argv)

    return call


def _nan_csv():
    return _good_csv("nan.csv", X=_with(X, value=np.nan))


def _huge_csv():
    return _good_csv("huge.csv", X=_with(X, value=1e39))


def _existing(name):
    return lambda: _write(name, "old")


def _pickle_model():
    path = _path("model.joblib")
    with open(path, "wb") as f:
        pickle.dump(fitted("clf"), f)
    return path


def _narrow_csv():
    return _good_csv("narrow.csv", X=X[:, :4])


def _cli_cases():
    good = _good_csv
    cli = []

    def add(name, *argv, slow=False):
        cli.append(Case(f"cli-{name}", f"cli {argv[0]}", _cli(*argv), cli=True,
                        slow=slow))  # fmt: skip

    # fmt: off
    add("evaluate-missing-data", "evaluate", "--data", _path("nope.csv"),
        "--labels", "a")
    add("fit-missing-data", "fit", "--data", _path("nope.csv"), "--labels", "3",
        "--model", _path("m1.mlnn"))
    add("predict-missing-model", "predict", "--model", _path("nope.mlnn"),
        "--data", good)
    add("predict-missing-data", "predict", "--model", model_file, "--data",
        _path("nope.csv"))
    add("evaluate-epochs-0", "evaluate", "--data", good, "--labels", "3",
        "--epochs", "0")
    add("evaluate-threshold-2", "evaluate", "--data", good, "--labels", "3",
        "--threshold", "2")
    add("evaluate-hidden-a", "evaluate", "--data", good, "--labels", "3",
        "--hidden-layer-sizes", "a")
    add("evaluate-n-splits-1", "evaluate", "--data", good, "--labels", "3",
        "--n-splits", "1")
    add("evaluate-n-splits-100", "evaluate", "--data", good, "--labels", "3",
        "--n-splits", "100", "--n-repeats", "1", *TINY_CLI)
    add("evaluate-unknown-option", "evaluate", "--data", good, "--bogus")
    add("evaluate-labels-too-many", "evaluate", "--data", good, "--labels", "99")
    add("evaluate-format-nope", "evaluate", "--data", good, "--format", "xls")
    add("no-command-bogus", "bogus")
    add("fit-existing-model-no-force", "fit", "--data", good, "--labels", "3",
        "--model", _existing("exists_fit.mlnn"), *TINY_CLI)
    add("predict-existing-output-no-force", "predict", "--model", model_file,
        "--data", good, "-o", _existing("exists_pred.csv"))
    add("predict-existing-proba-no-force", "predict", "--model", model_file,
        "--data", good, "-o", _path("fresh_pred.csv"), "--proba",
        _existing("exists_proba.csv"))
    add("predict-pickle-model", "predict", "--model", _pickle_model, "--data", good)
    add("predict-csv-as-model", "predict", "--model", good, "--data", good)
    add("predict-narrow-data", "predict", "--model", model_file, "--data",
        _narrow_csv)
    add("predict-nan-data", "predict", "--model", model_file, "--data", _nan_csv,
        "-o", _path("nan_pred.csv"), "--force")
    add("predict-1e39-data", "predict", "--model", model_file, "--data", _huge_csv,
        "-o", _path("huge_pred.csv"), "--force")
    add("fit-nan-data", "fit", "--data", _nan_csv, "--labels", "3", "--model",
        _path("nan.mlnn"), "--force", *TINY_CLI)
    add("fit-1e39-data", "fit", "--data", _huge_csv, "--labels", "3", "--model",
        _path("huge.mlnn"), "--force", *TINY_CLI)
    add("fit-garbled-data", "fit", "--data",
        lambda: _write("garbled2.csv", bytes(range(256)) * 4, "wb"), "--labels", "1",
        "--model", _path("g.mlnn"), "--force", *TINY_CLI)
    add("fit-truncated-libsvm", "fit", "--data", lambda: _write("cut.svm", "1 3:\n"),
        "--model", _path("cut.mlnn"), "--force", *TINY_CLI)
    add("fit-missing-folder", "fit", "--data", good, "--labels", "3", "--model",
        _path(os.path.join("no", "dir", "m.mlnn")), *TINY_CLI)
    add("evaluate-nan-data", "evaluate", "--data", _nan_csv, "--labels", "3",
        "--n-splits", "2", "--n-repeats", "1", *TINY_CLI)
    # fmt: on
    return cli


def all_cases():
    cases = [
        *_cases_X(),
        *_cases_y(),
        *_cases_weights(),
        *_cases_params(),
        *_cases_divergence(),
        *_cases_thresholds(),
        *_reader_cases(),
        *_persistence_cases(),
        *_cli_cases(),
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


CASES = all_cases()


def _param(case):
    marks = [pytest.mark.slow] if case.slow or case.on == "tuner" else []
    if case.entry == "tuner.fit":
        marks = [pytest.mark.slow]
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_adversarial(case):
    outcome = run_case(case)
    assert outcome.kind in case.accept, f"{outcome.kind}: {outcome.detail}"


# ----------------------------------------------------------------------------
# properties: tune_thresholds and decode on arbitrary float arrays
# ----------------------------------------------------------------------------
try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover - hypothesis is in the tests extra
    given = None

if given is not None:
    _floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
    _shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6)

    def _outcome_of(func):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return "ok", func()
        except Exception as exc:  # noqa: BLE001
            return classify_exception(exc)

    @settings(max_examples=30, deadline=None)
    @given(
        proba=hnp.arrays(np.float64, _shapes, elements=_floats),
        Y_bits=st.integers(min_value=0, max_value=2**36 - 1),
    )
    def test_tune_thresholds_any_floats(proba, Y_bits):
        shape = proba.shape
        rng = np.random.default_rng(Y_bits)
        Y_ = rng.integers(0, 2, size=shape) if proba.ndim else Y_bits % 2
        kind, result = _outcome_of(lambda: tune_thresholds(Y_, proba, min_positives=0))
        assert kind in ("ok", "clear error"), result
        if kind == "ok":
            # Accepted only for a valid 2-D matrix of scores in [0, 1].
            assert proba.ndim == 2 and proba.size
            assert np.all(np.isfinite(proba)) and proba.min() >= 0 and proba.max() <= 1
            t = np.asarray(result.thresholds)
            assert t.shape == (shape[1],) and np.all(np.isfinite(t))

    @settings(max_examples=30, deadline=None)
    @given(
        proba=hnp.arrays(np.float64, _shapes, elements=_floats),
        threshold=_floats,
        min_labels=st.integers(min_value=-2, max_value=4),
    )
    def test_decode_any_floats(proba, threshold, min_labels):
        kind, result = _outcome_of(
            lambda: decode(proba, threshold, min_labels=min_labels)
        )
        assert kind in ("ok", "clear error"), result
        if kind == "ok":
            assert proba.ndim == 2 and min_labels >= 0
            assert not np.isnan(proba).any() and not math.isnan(threshold)
            r = np.asarray(result)
            assert r.shape == proba.shape and np.isin(r, (0, 1)).all()


@pytest.fixture(scope="module", autouse=True)
def _shared_fits():
    """The fitted estimators and files live for this module only."""
    yield
    fitted.cache_clear()
    model_file.cache_clear()
