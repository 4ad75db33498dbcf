"""Real-data benchmark: MultiLabelNNClassifier against the usual alternatives.

On the standard train/test splits of yeast and scene (MULAN), every method runs in
the same ``StandardScaler`` pipeline, is fitted on the training split and scored on
the test split:

- ``nn``: MultiLabelNNClassifier with the package defaults and ``threshold=0.5``;
- ``nn_recommended``: the defaults recommended by ``bench_defaults.py`` (only run
  while they differ from the package defaults);
- ``nn_auto``: MultiLabelNNClassifier with ``threshold="auto"`` and the other
  defaults: thresholds tuned for the mean of micro- and macro-F1
  (``"f1_micro_macro"``) on 5-fold out-of-fold predictions, and the five fold
  networks averaged with the final one (``ensemble=True``);
- ``nn_auto_single``: the same with ``ensemble=False`` (the final network alone);
- ``nn_auto_micro``: ``threshold="auto"`` tuned for micro-F1 (``"f1_micro"``);
- ``nn_auto_f1``: the same, tuned for per-label F1 (which maximises macro-F1);
- ``nn_auto_cv10``: the defaults of ``nn_auto`` with ``threshold_cv=10`` (ten
  fold networks: better in cross-validation on scene, equal on yeast, at
  almost twice the training cost);
- ``nn_auto_r3``: the defaults of ``nn_auto`` with ``threshold_cv_repeats=3``
  (three partitions into 5 folds: thresholds averaged over the three, 15 fold
  networks in the ensemble, about three times the training cost);
- ``mlp``: scikit-learn's MLPClassifier (max_iter=500, no early stopping);
- ``logreg``: one-vs-rest LogisticRegression;
- ``rf``: RandomForestClassifier(n_estimators=300);
- ``cc``: an ensemble of 10 ClassifierChains over LogisticRegression, random
  orders, probabilities averaged and cut at 0.5;
- ``keras``: what users write by hand: Dense(256, relu) + Dropout(0.5) ->
  Dense(n_labels, sigmoid), binary cross-entropy, adam, 50 epochs, batch 32,
  ``model.fit``, rounding at 0.5;
- the anchors of issue 15, run in the same process on the same splits:
  ``rf500`` (RandomForestClassifier(500), all cores, cut at 0.5) and
  ``rf500_tuned_micro`` / ``rf500_tuned_f1`` / ``rf500_tuned_micro_macro``
  (the same forest inside this package's ``TunedThresholdMultiLabelClassifierCV``
  with objective ``f1_micro``, ``f1`` or ``f1_micro_macro``: thresholds chosen
  on 5-fold out-of-fold predictions of the training split only), and ``boomer``
  (BOOMER, gradient-boosted multi-label rules, ``mlrl-boomer`` with
  ``loss="logistic-non-decomposable"``; optional and slow, minutes per fit:
  left out with ``--no-boomer`` and reported "not available" when
  ``mlrl-boomer`` is not installed).

Every method also records ``hamming_at_half``, the Hamming loss of its
probabilities cut at 0.5 (for a tuned method: the same fitted model without its
tuned thresholds). The headline table (``headline`` in the JSON, first in the
Markdown) gives per data set micro- and macro-F1 of each family's predictions
and Hamming loss at 0.5, with "best objective per metric" for the tuned forest
(the best of its three objectives, separately for each metric), and the fit +
predict time.

Stochastic methods run with several seeds (mean and std reported); LogisticRegression
is deterministic and runs once. Metrics: Hamming loss, micro/macro/samples F1
(``zero_division=0``; the JSON also holds macro/samples F1 with ``zero_division=1``,
the MULAN convention), subset accuracy, fit and predict time (seconds, one process).

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_real_data.py [--data-dir DIR] [--seeds 0 1 2]
        [--methods nn nn_auto mlp ...] [--quick]

Writes ``benchmarks/results/real_data.{json,md,png}`` (``real_data_quick.*`` with
``--quick``) and prints the table.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, hamming_loss
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import ClassifierChain
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# The hand-written Keras baseline runs on the package's default backend, JAX, unless
# the user chose another (keras would otherwise fall back to TensorFlow).
os.environ.setdefault("KERAS_BACKEND", "jax")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "benchmarks" / "results"
DATASETS = {"yeast": 14, "scene": 6}

# Defaults recommended by benchmarks/bench_defaults.py (CV on the training splits);
# the ``nn_recommended`` row is skipped once the package defaults equal them.
RECOMMENDED = dict(
    hidden_layer_sizes=(256, 128),
    dropout="auto",  # 0.5 on both of these wide layers
    learning_rate_init=1e-3,
    early_stopping=True,
    epochs=200,
    n_iter_no_change=10,
    alpha=0.0,
    batch_size=32,
)

LABELS = {
    "nn": "MultiLabelNN (defaults, t=0.5)",
    "nn_recommended": "MultiLabelNN (recommended defaults, t=0.5)",
    "nn_auto": 'MultiLabelNN (defaults, threshold="auto": micro+macro F1, ensemble)',
    "nn_auto_single": 'MultiLabelNN (threshold="auto", ensemble=False)',
    "nn_auto_micro": 'MultiLabelNN (threshold="auto", micro-F1, ensemble)',
    "nn_auto_f1": 'MultiLabelNN (threshold="auto", per-label F1, ensemble)',
    "nn_auto_cv10": 'MultiLabelNN (threshold="auto", threshold_cv=10)',
    "nn_auto_r3": 'MultiLabelNN (threshold="auto", threshold_cv_repeats=3)',
    "mlp": "MLPClassifier (max_iter=500)",
    "logreg": "One-vs-rest LogisticRegression",
    "rf": "RandomForest (300 trees)",
    "cc": "ClassifierChain ensemble (10 x LogReg)",
    "keras": "Hand-written Keras MLP (256 + dropout 0.5)",
    "rf500": "RandomForest (500 trees) at 0.5",
    "rf500_tuned_micro": "RF(500) + TunedThresholdMultiLabelClassifierCV (f1_micro)",
    "rf500_tuned_f1": "RF(500) + TunedThresholdMultiLabelClassifierCV (per-label f1)",
    "rf500_tuned_micro_macro": "RF(500) + TunedThresholdMultiLabelClassifierCV (f1_micro_macro)",
    "boomer": "BOOMER 0.12 (logistic-non-decomposable loss)",
}
DETERMINISTIC = {"logreg"}
TUNED_RF = {
    "rf500_tuned_micro": "f1_micro",
    "rf500_tuned_f1": "f1",
    "rf500_tuned_micro_macro": "f1_micro_macro",
}
# The headline table of issue 15: per family, the methods whose predictions give
# the F1 columns (several: the best per metric), the one whose probabilities
# cut at 0.5 give the Hamming loss, and the one whose fit + predict seconds are
# shown (for the forest: one tuner, with the default objective).
HEADLINE = {
    'ours, threshold="auto" (F1) / 0.5 (Hamming)': (["nn_auto"], "nn_auto", "nn_auto"),
    "RF(500) + our tuner, best objective per metric": (
        list(TUNED_RF),
        "rf500",
        "rf500_tuned_micro_macro",
    ),
    "BOOMER, non-decomposable logistic loss": (["boomer"], "boomer", "boomer"),
    "ensemble of classifier chains (10 x LogReg)": (["cc"], "cc", "cc"),
    "MLPClassifier (max_iter=500)": (["mlp"], "mlp", "mlp"),
    "hand-written Keras MLP": (["keras"], "keras", "keras"),
}
GOALS = {
    "yeast": {"micro_f1": 0.69, "macro_f1": 0.51, "hamming_at_half": 0.195},
    "scene": {"micro_f1": 0.78, "macro_f1": 0.78, "hamming_at_half": 0.079},
}


class ChainEnsemble(ClassifierMixin, BaseEstimator):
    """Average of ``n_chains`` ClassifierChains with random orders, cut at 0.5."""

    def __init__(self, n_chains=10, random_state=0):
        self.n_chains = n_chains
        self.random_state = random_state

    def fit(self, X, Y):
        self.chains_ = [
            ClassifierChain(
                LogisticRegression(max_iter=1000),
                order="random",
                random_state=self.random_state * 1000 + i,
            ).fit(X, Y)
            for i in range(self.n_chains)
        ]
        return self

    def predict_proba(self, X):
        return np.mean([c.predict_proba(X) for c in self.chains_], axis=0)

    def predict(self, X):
        return (self.predict_proba(X) >= 0.5).astype(int)


class HandKerasMLP(ClassifierMixin, BaseEstimator):
    """The Keras network users write by hand, trained with ``model.fit``."""

    def __init__(self, units=256, dropout=0.5, epochs=50, batch_size=32,
                 random_state=0):  # fmt: skip
        self.units = units
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, Y):
        import keras

        keras.utils.set_random_seed(self.random_state)
        model = keras.Sequential(
            [
                keras.Input((X.shape[1],)),
                keras.layers.Dense(self.units, activation="relu"),
                keras.layers.Dropout(self.dropout),
                keras.layers.Dense(Y.shape[1], activation="sigmoid"),
            ]
        )
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(
            X.astype("float32"), Y.astype("float32"), epochs=self.epochs,
            batch_size=self.batch_size, verbose=0,
        )  # fmt: skip
        self.model_ = model
        return self

    def predict_proba(self, X):
        return self.model_.predict(X.astype("float32"), verbose=0)

    def predict(self, X):
        return np.round(self.predict_proba(X)).astype(int)


def nn(seed, quick, **params):
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    if quick:
        params.setdefault("epochs", 20)
    return MultiLabelNNClassifier(**params, random_state=seed)


def make_method(name, seed, quick):
    if name == "nn":
        return nn(seed, quick, threshold=0.5)
    if name == "nn_recommended":
        return nn(seed, quick, **RECOMMENDED, threshold=0.5)
    if name == "nn_auto":
        return nn(seed, quick, threshold="auto")
    if name == "nn_auto_single":
        return nn(seed, quick, threshold="auto", ensemble=False)
    if name == "nn_auto_micro":
        return nn(seed, quick, threshold="auto", threshold_scoring="f1_micro")
    if name == "nn_auto_f1":
        return nn(seed, quick, threshold="auto", threshold_scoring="f1")
    if name == "nn_auto_cv10":
        return nn(seed, quick, threshold="auto", threshold_cv=10)
    if name == "nn_auto_r3":
        return nn(seed, quick, threshold="auto", threshold_cv_repeats=3)
    if name == "mlp":
        return MLPClassifier(
            max_iter=50 if quick else 500, early_stopping=False, random_state=seed
        )
    if name == "logreg":
        return OneVsRestClassifier(LogisticRegression(max_iter=1000))
    if name == "rf":
        return RandomForestClassifier(
            n_estimators=50 if quick else 300, random_state=seed, n_jobs=1
        )
    if name == "cc":
        return ChainEnsemble(n_chains=3 if quick else 10, random_state=seed)
    if name == "keras":
        return HandKerasMLP(epochs=5 if quick else 50, random_state=seed)
    if name == "rf500" or name in TUNED_RF:
        forest = RandomForestClassifier(
            n_estimators=50 if quick else 500, random_state=seed, n_jobs=-1
        )
        if name == "rf500":
            return forest
        from sklearn_multilabel_nn import TunedThresholdMultiLabelClassifierCV

        return TunedThresholdMultiLabelClassifierCV(
            forest, scoring=TUNED_RF[name], cv=5, random_state=seed
        )
    if name == "boomer":
        from mlrl.boosting import BoomerClassifier

        return BoomerClassifier(
            loss="logistic-non-decomposable",
            random_state=seed + 1,  # BOOMER's seeds start at 1
            **({"max_rules": 50} if quick else {}),
        )
    raise ValueError(f"unknown method {name!r}; choose from {list(LABELS)}")


def boomer_missing():
    """Why BOOMER cannot run here (None when ``mlrl-boomer`` is installed)."""
    try:
        import mlrl.boosting  # noqa: F401
    except ImportError as exc:
        return f"{exc}; pip install mlrl-boomer"
    return None


def auto_threshold_available():
    """Whether ``threshold="auto"`` works in this version of the package."""
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    Y = (X[:, :2] + 0.3 * rng.normal(size=(60, 2)) > 0).astype(int)
    try:
        MultiLabelNNClassifier((4,), epochs=2, threshold="auto", random_state=0).fit(
            X, Y
        )
    except (NotImplementedError, ValueError, TypeError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, None


def recommended_differs():
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    current = MultiLabelNNClassifier().get_params()
    return any(
        (tuple(v) if isinstance(v, (list, tuple)) else v)
        != (tuple(current[k]) if isinstance(current[k], (list, tuple)) else current[k])
        for k, v in RECOMMENDED.items()
    )


def scores(Y, P):
    return {
        "hamming_loss": hamming_loss(Y, P),
        "micro_f1": f1_score(Y, P, average="micro", zero_division=0),
        "macro_f1": f1_score(Y, P, average="macro", zero_division=0),
        "samples_f1": f1_score(Y, P, average="samples", zero_division=0),
        "subset_accuracy": accuracy_score(Y, P),
        "macro_f1_zd1": f1_score(Y, P, average="macro", zero_division=1),
        "samples_f1_zd1": f1_score(Y, P, average="samples", zero_division=1),
    }


def load(data_dir, name):
    from sklearn_multilabel_nn.datasets import load_csv

    n = DATASETS[name]
    train = load_csv(Path(data_dir) / name / "train.csv", label_columns=n,
                     return_X_y=True)  # fmt: skip
    test = load_csv(Path(data_dir) / name / "test.csv", label_columns=n,
                    return_X_y=True)  # fmt: skip
    return train, test


def run_one(method, seed, quick, train, test):
    (X, Y), (Xt, Yt) = train, test
    pipe = make_pipeline(StandardScaler(), make_method(method, seed, quick))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t = time.perf_counter()
        pipe.fit(X, Y)
        fit_time = time.perf_counter() - t
    t = time.perf_counter()
    P = np.asarray(pipe.predict(Xt))
    predict_time = time.perf_counter() - t
    return {
        **scores(Yt, P),
        "hamming_at_half": hamming_at_half(pipe, Xt, Yt, P),
        "fit_time": fit_time,
        "predict_time": predict_time,
    }


def hamming_at_half(pipe, Xt, Yt, P):
    """Hamming loss of the probabilities cut at 0.5 (of a tuned model: its
    predictions without the tuned thresholds); that of ``P`` without
    probabilities."""
    from sklearn_multilabel_nn._tuning import positive_proba

    if not hasattr(pipe, "predict_proba"):
        return hamming_loss(Yt, P)
    proba = positive_proba(pipe, Xt)
    return hamming_loss(Yt, (np.asarray(proba) >= 0.5).astype(int))


def warm_up(methods, train):
    """Pay one-off JIT/graph compilation outside the timings (shapes of the data)."""
    (X, Y) = train
    for m in methods:
        if m.startswith("nn") or m == "keras":
            est = make_method(m, 0, True)
            if m == "keras":
                est.set_params(epochs=1)
            else:
                est.set_params(epochs=1)
            clone(make_pipeline(StandardScaler(), est)).fit(X, Y).predict(X[:10])


METRICS = [
    ("hamming_loss", "Hamming ↓"),
    ("micro_f1", "micro-F1"),
    ("macro_f1", "macro-F1"),
    ("samples_f1", "samples-F1"),
    ("subset_accuracy", "subset acc."),
    ("fit_time", "fit s"),
    ("predict_time", "predict s"),
]


def summarise(runs):
    keys = runs[0].keys()
    return {
        k: {"mean": float(np.mean([r[k] for r in runs])),
            "std": float(np.std([r[k] for r in runs]))}
        for k in keys
    }  # fmt: skip


def usual_seeds(results):
    """The seeds most stochastic methods ran with (``--update`` may mix runs)."""
    counts = Counter(
        tuple(r["seeds"])
        for res in results["datasets"].values()
        for m, r in res["methods"].items()
        if m not in DETERMINISTIC and "seeds" in r
    )
    return list(counts.most_common(1)[0][0]) if counts else results["seeds"]


def headline(results):
    """Issue 15's table: per family and data set, micro- and macro-F1 of its
    predictions (the best of its methods, per metric), Hamming loss at 0.5 and
    the median fit + predict seconds of its timed method."""
    table = {}
    for family, (f1_methods, hamming_method, timed_method) in HEADLINE.items():
        row = {}
        for ds, res in results["datasets"].items():
            methods = res["methods"]
            needed = [*f1_methods, hamming_method, timed_method]
            if not all(methods.get(m, {}).get("summary") for m in needed):
                continue
            summary = [methods[m]["summary"] for m in f1_methods]
            hamming = methods[hamming_method]["summary"].get("hamming_at_half")
            runs = methods[timed_method]["runs"]
            row[ds] = {
                "micro_f1": max(s["micro_f1"]["mean"] for s in summary),
                "macro_f1": max(s["macro_f1"]["mean"] for s in summary),
                "hamming_at_half": None if hamming is None else hamming["mean"],
                "seconds": float(
                    np.median([r["fit_time"] + r["predict_time"] for r in runs])
                ),
            }
        if row:
            table[family] = row
    return table


def headline_markdown(table, datasets):
    cols = [("micro_f1", "micro-F1"), ("macro_f1", "macro-F1"),
            ("hamming_at_half", "Hamming@0.5 ↓"), ("seconds", "fit+predict s")]  # fmt: skip
    head = " | ".join(f"{ds} {name}" for ds in datasets for _, name in cols)
    lines = [
        "## Headline (issue 15): our defaults against the anchors",
        "",
        "F1 of each family's predictions (for the tuned forest, the best of its "
        "three objectives for each metric separately), Hamming loss of its "
        "probabilities cut at 0.5, mean over the seeds below; median seconds of "
        "fit + predict (the forest: one tuner, objective f1_micro_macro). Rows "
        "re-run together with `--update` share a run's load: compare seconds "
        "only within one run (the JSON lists the runs).",
        "",
        f"| | {head} |",
        "|---|" + "---|" * (len(cols) * len(datasets)),
    ]
    for family, row in table.items():
        cells = []
        for ds in datasets:
            for key, _ in cols:
                value = row.get(ds, {}).get(key)
                digits = 2 if key == "seconds" else 3
                cells.append("–" if value is None else f"{value:.{digits}f}")
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    goals = [
        ("–" if key == "seconds" else
         ("≤ " if key == "hamming_at_half" else "≥ ") + f"{GOALS[ds][key]:.3g}")
        if ds in GOALS else "–"
        for ds in datasets for key, _ in cols
    ]  # fmt: skip
    lines.append("| goal | " + " | ".join(goals) + " |")
    return lines + [""]


def markdown(results, seeds):
    lines = [
        "# Real-data benchmark: yeast and scene (MULAN standard splits)",
        "",
        f"Test-split scores, mean ± std over seeds {list(seeds)} for stochastic methods "
        "(LogisticRegression is deterministic: one run; a method run on other "
        "seeds says how many). Every method inside a "
        "`StandardScaler` pipeline. F1 with `zero_division=0`. Times in seconds "
        "(one process, after one-off JIT warm-up). Best value per column in bold "
        "(time columns excluded).",
        "",
        *headline_markdown(headline(results), list(results["datasets"])),
    ]
    for ds, res in results["datasets"].items():
        lines += [f"## {ds} ({res['n_train']} train / {res['n_test']} test, "
                  f"{res['n_features']} features, {res['n_labels']} labels)", ""]  # fmt: skip
        lines.append("| method | " + " | ".join(h for _, h in METRICS) + " |")
        lines.append("|---|" + "---|" * len(METRICS))
        ok = {m: r for m, r in res["methods"].items() if r.get("available", True)}
        best = {}
        for k, _ in METRICS[:5]:
            vals = [r["summary"][k]["mean"] for r in ok.values()]
            best[k] = min(vals) if k == "hamming_loss" else max(vals)
        for m, r in res["methods"].items():
            if not r.get("available", True):
                lines.append(f"| {LABELS[m]} | " + " | ".join(
                    ["not available"] + [""] * (len(METRICS) - 1)) + " |")  # fmt: skip
                continue
            cells = []
            for k, _ in METRICS:
                s = r["summary"][k]
                digits = 2 if k.endswith("time") else 3
                cell = f"{s['mean']:.{digits}f}"
                if len(r["runs"]) > 1:
                    cell += f" ± {s['std']:.{digits}f}"
                if k in best and round(s["mean"], 3) == round(best[k], 3):
                    cell = f"**{cell}**"
                cells.append(cell)
            label = LABELS[m]
            if m not in DETERMINISTIC and len(r["runs"]) != len(seeds):
                label += f" [{len(r['runs'])} seeds]"
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ["micro_f1", "macro_f1", "samples_f1", "subset_accuracy", "hamming_loss"]
    names = ["micro-F1", "macro-F1", "samples-F1", "subset acc.", "Hamming loss ↓"]
    dsets = list(results["datasets"])
    fig, axes = plt.subplots(
        len(dsets), 1, figsize=(11, 3.6 * len(dsets)), squeeze=False
    )
    for ax, ds in zip(axes[:, 0], dsets, strict=True):
        methods = [m for m, r in results["datasets"][ds]["methods"].items()
                   if r.get("available", True)]  # fmt: skip
        width = 0.8 / len(methods)
        x = np.arange(len(metrics))
        for i, m in enumerate(methods):
            s = results["datasets"][ds]["methods"][m]["summary"]
            ax.bar(
                x + (i - (len(methods) - 1) / 2) * width,
                [s[k]["mean"] for k in metrics],
                width, yerr=[s[k]["std"] for k in metrics], capsize=2, label=LABELS[m],
            )  # fmt: skip
        ax.set_xticks(x, names)
        ax.set_ylim(0, 1)
        ax.set_title(f"{ds} (test split)")
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].legend(fontsize=7, ncol=2, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def merge(old, new):
    """``old`` results with the methods (and data sets) of ``new`` replacing theirs."""
    merged = dict(new)
    merged["runs_wall_time_s"] = old.get(
        "runs_wall_time_s", [old.get("wall_time_s")]
    ) + [new["wall_time_s"]]
    merged["seeds"] = sorted(set(old.get("seeds", [])) | set(new["seeds"]))
    merged["datasets"] = {}
    for ds in {**old.get("datasets", {}), **new["datasets"]}:
        o = old.get("datasets", {}).get(ds, {})
        n = new["datasets"].get(ds, {})
        methods = {**o.get("methods", {}), **n.get("methods", {})}
        merged["datasets"][ds] = {
            **o, **n,
            "methods": {m: methods[m] for m in LABELS if m in methods},
        }  # fmt: skip
    return merged


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR),
                        help="folder holding {yeast,scene}/{train,test}.csv")  # fmt: skip
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=list(LABELS),
                        choices=list(LABELS))  # fmt: skip
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS),
                        choices=list(DATASETS))  # fmt: skip
    parser.add_argument("--quick", action="store_true",
                        help="one seed, short training (smoke test)")  # fmt: skip
    parser.add_argument("--out", default=str(RESULTS), help="results folder")
    parser.add_argument("--update", action="store_true",
                        help="keep the other methods' results of the existing JSON "
                        "and replace only those run now (e.g. --methods nn_auto)")  # fmt: skip
    parser.add_argument("--no-boomer", action="store_true",
                        help="leave out BOOMER (minutes per fit)")  # fmt: skip
    parser.add_argument("--render", action="store_true",
                        help="only rewrite the Markdown from the existing JSON")  # fmt: skip
    args = parser.parse_args(argv)
    if args.render:
        return write_markdown(Path(args.out), "real_data_quick" if args.quick
                              else "real_data")  # fmt: skip
    seeds = args.seeds[:1] if args.quick else args.seeds

    t0 = time.perf_counter()
    methods = list(args.methods)
    auto_ok, auto_why = (True, None)
    if "nn_auto" in methods:
        auto_ok, auto_why = auto_threshold_available()
    if "nn_recommended" in methods and not recommended_differs():
        methods.remove("nn_recommended")
    if args.no_boomer and "boomer" in methods:
        methods.remove("boomer")
    boomer_why = boomer_missing() if "boomer" in methods else None

    results = {"seeds": list(seeds), "quick": args.quick, "datasets": {}}
    for ds in args.datasets:
        train, test = load(args.data_dir, ds)
        res = results["datasets"][ds] = {
            "n_train": len(train[0]), "n_test": len(test[0]),
            "n_features": train[0].shape[1], "n_labels": train[1].shape[1],
            "methods": {},
        }  # fmt: skip
        warm_up([m for m in methods if m != "nn_auto" or auto_ok], train)
        for m in methods:
            why = auto_why if m == "nn_auto" and not auto_ok else None
            why = boomer_why if m == "boomer" else why
            if why is not None:
                res["methods"][m] = {"available": False, "reason": why}
                print(f"{ds:6s} {m:15s} not available ({why})", flush=True)
                continue
            runs = []
            for seed in [0] if m in DETERMINISTIC else seeds:
                runs.append(run_one(m, seed, args.quick, train, test))
                r = runs[-1]
                print(f"{ds:6s} {m:15s} seed {seed}: HL={r['hamming_loss']:.4f} "
                      f"microF1={r['micro_f1']:.4f} macroF1={r['macro_f1']:.4f} "
                      f"fit={r['fit_time']:.2f}s", flush=True)  # fmt: skip
            res["methods"][m] = {
                "seeds": [0] if m in DETERMINISTIC else list(seeds),
                "runs": runs, "summary": summarise(runs),
            }  # fmt: skip

    import keras
    import sklearn

    from sklearn_multilabel_nn import MultiLabelNNClassifier

    results["nn_defaults"] = {
        k: v for k, v in MultiLabelNNClassifier().get_params().items()
        if not callable(v)
    }  # fmt: skip
    results["recommended"] = RECOMMENDED
    results["wall_time_s"] = round(time.perf_counter() - t0, 1)
    out = Path(args.out)
    stem = "real_data_quick" if args.quick else "real_data"
    if args.update and (out / f"{stem}.json").exists():
        results = merge(json.loads((out / f"{stem}.json").read_text()), results)
    results["headline"] = headline(results)
    results["environment"] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "machine": platform.machine(),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(results, indent=1, default=list))
    write_markdown(out, stem)
    print(f"wall time {results['wall_time_s']:.0f} s", file=sys.stderr)


def write_markdown(out, stem):
    """The Markdown table and the plot of ``{stem}.json`` in ``out``."""
    results = json.loads((out / f"{stem}.json").read_text())
    results["headline"] = headline(results)
    md = markdown(results, usual_seeds(results))
    (out / f"{stem}.md").write_text(
        md
        + "\nWall time: "
        + " + ".join(
            f"{t:.0f} s"
            for t in results.get("runs_wall_time_s", [results["wall_time_s"]])
            if t is not None
        )
        + " (`python benchmarks/bench_real_data.py`; the JSON lists each run).\n"
    )
    plot(results, out / f"{stem}.png")
    print(md)


if __name__ == "__main__":
    main()
