"""Cross-validated comparison of network architectures for the default network.

Inside the TRAINING splits of yeast and scene only (the test splits are never
read), plus synthetic problems of varied shape: k-fold CV (iteratively
stratified), every candidate in a StandardScaler pipeline (or none, for the
unscaled runs), scored by micro-/macro-F1 with ``threshold="auto"`` (tuned
thresholds of the estimator itself) and by Hamming loss at 0.5 (the same fit's
probabilities cut at 0.5), plus fit seconds.

Candidates (``CANDIDATES`` below) are built with the package's ``build_mlp``
through the estimator's ``model=`` parameter or are estimator parameters:

* ``mlp``: the current default, Dense(256)+Dropout(0.5), Dense(128)+Dropout(0.5).
* ``tabm{k}``: TabM-mini (Gorishniy et al., ICLR 2025): the input copied to k
  heads with random-sign rank-1 adapters, the same shared body, k output
  layers, mean of the heads' losses in training, mean of their probabilities
  in prediction.
* ``plr``: periodic numerical embeddings (Gorishniy et al., 2022) before the MLP.
* ``adamw``, ``cosine``: decoupled weight decay, a learning-rate schedule.

Results are appended as they come (``architecture_cv.jsonl``) so a partial run
is kept, and summarised in ``architecture_cv.{json,md}``. Run::

    PYTHONPATH=. python benchmarks/bench_architecture.py --only mlp,tabm8 \\
        --data yeast,scene --folds 3 --seeds 1
"""

import argparse
import json
import os
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")

# The one reader of the shared splits (this script's folder is on sys.path).
from bench_real_data import load  # noqa: E402
from sklearn.datasets import make_multilabel_classification  # noqa: E402
from sklearn.metrics import f1_score, hamming_loss  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "benchmarks" / "results"
LABEL_COLUMNS = {"yeast": 14, "scene": 6}


# --------------------------------------------------------------------------
# data (training splits and synthetic problems)
# --------------------------------------------------------------------------
def load_train(data_dir, name):
    return load(data_dir, name)[0]


def synthetic(name):
    """Synthetic problems of varied shape (rows x features x labels)."""
    shapes = {
        "syn300": dict(n_samples=300, n_features=20, n_classes=5, n_labels=2),
        "syn5000": dict(n_samples=5000, n_features=50, n_classes=50, n_labels=4),
        "seed": dict(n_samples=1000, n_features=10, n_classes=3, n_labels=2),
    }
    if name == "cont2000":
        return continuous_teacher()
    if name == "text":
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_speed import text_like

        X, Y = text_like(n_samples=3000, random_state=0)
        return X, Y
    X, Y = make_multilabel_classification(**shapes[name], random_state=1)
    return X.astype(np.float64), Y


def continuous_teacher(n_samples=2000, n_features=30, n_labels=8, seed=2):
    """Continuous features (standard normal) and labels from a random ReLU
    teacher network plus noise, cut at quantiles giving label frequencies
    from 5 % to 40 %: a generic dense problem, unlike the count features of
    make_multilabel_classification."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    hidden = np.maximum(X @ rng.normal(size=(n_features, 64)) / np.sqrt(n_features), 0)
    logits = hidden @ rng.normal(size=(64, n_labels)) / 8.0
    logits += 0.5 * rng.normal(size=logits.shape) * logits.std(axis=0)
    frequencies = np.linspace(0.05, 0.4, n_labels)
    cuts = [np.quantile(logits[:, j], 1 - f) for j, f in enumerate(frequencies)]
    return X, (logits > np.array(cuts)).astype(int)


def get_data(name, data_dir):
    if name in LABEL_COLUMNS:
        return load_train(data_dir, name)
    return synthetic(name)


# --------------------------------------------------------------------------
# candidates
# --------------------------------------------------------------------------
def network(input_shape, n_outputs, **options):
    from sklearn_multilabel_nn._keras import build_mlp

    return build_mlp(input_shape, n_outputs, **options)


SEED_WORKFLOW = dict(
    hidden_layer_sizes=(20,), epochs=100, dropout=0.0, early_stopping=False
)
MLP = dict(hidden_layer_sizes=(256, 128), dropout=0.5, activation="relu")


def candidate(name):
    """Estimator parameters of candidate ``name`` (see the module docstring)."""
    fixed = {
        # The network before this round (no standardisation, no embedding).
        "mlp": {"normalize": False, "feature_embedding": None},
        # The estimator's defaults as they are now.
        "default": {},
        "mlp_norm": {"normalize": True},
        "plr_norm": {"feature_embedding": "periodic", "normalize": True},
        "plr_raw": {"feature_embedding": "periodic", "normalize": False},
        "heads8": {"n_heads": 8},
        "heads8_norm": {"n_heads": 8, "normalize": True},
        "mlp_d2": {"model": partial(network, **{**MLP, "dropout": 0.2})},
        "plr": {"model": partial(network, **MLP, embedding=(16, 0.1, 16))},
        "plr_e8": {"model": partial(network, **MLP, embedding=(16, 0.1, 8))},
        "plr_f8": {"model": partial(network, **MLP, embedding=(8, 0.1, 16))},
        "plr_s001": {"model": partial(network, **MLP, embedding=(16, 0.01, 16))},
        "plr_s1": {"model": partial(network, **MLP, embedding=(16, 1.0, 16))},
        "adamw": {"optimizer": "adamw_wd"},
        "cosine": {"optimizer": "cosine"},
    }
    if name in fixed:
        return fixed[name]
    # tabm{k}[_d{dropout*10}][_w{width}][_plr]
    parts = name.split("_")
    k = int(parts[0][4:])
    options = {**MLP, "n_heads": k}
    for part in parts[1:]:
        if part.startswith("d"):
            options["dropout"] = int(part[1:]) / 10
        elif part.startswith("w"):
            width = int(part[1:])
            options["hidden_layer_sizes"] = (width, width)
        elif part == "plr":
            options["embedding"] = (16, 0.1, 16)
        elif part == "l3":
            w = options["hidden_layer_sizes"][0]
            options["hidden_layer_sizes"] = (w, w, w)
    return {"model": partial(network, **options)}


def make_optimizer(name, n_train):
    import keras

    if name == "adamw_wd":
        return keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-2)
    if name == "cosine":
        steps = 100 * max(1, n_train // 32)
        schedule = keras.optimizers.schedules.CosineDecay(1e-3, steps, alpha=0.1)
        return keras.optimizers.Adam(learning_rate=schedule)
    return name


# --------------------------------------------------------------------------
# cross-validation
# --------------------------------------------------------------------------
def cv_one(name, data, X, Y, *, folds, seed, scale):
    from sklearn_multilabel_nn import IterativeStratifiedKFold, MultiLabelNNClassifier

    params = dict(candidate(name))
    threshold = "auto"
    if data == "seed":
        # The seed workflow (bench_speed.py): its own small network, fixed
        # epochs, threshold 0.5, counts as features (no scaler).
        params = {**SEED_WORKFLOW, **params}
        threshold, scale = 0.5, False
    rows = []
    splits = IterativeStratifiedKFold(folds, random_state=seed)
    for fold, (tr, va) in enumerate(splits.split(X, Y)):
        p = dict(params)
        if "optimizer" in p:
            p["optimizer"] = make_optimizer(p["optimizer"], len(tr))
        clf = MultiLabelNNClassifier(
            threshold=threshold, random_state=1000 * seed + fold, **p
        )
        est = make_pipeline(StandardScaler(with_mean=not _sparse(X)), clf)
        if not scale:
            est = clf
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X[tr], Y[tr])
        fit_s = time.perf_counter() - t
        proba = est.predict_proba(X[va])
        P = est.predict(X[va])
        Yv = np.asarray(Y[va])
        rows.append(
            {
                "micro_f1": f1_score(Yv, P, average="micro", zero_division=0),
                "macro_f1": f1_score(Yv, P, average="macro", zero_division=0),
                "hamming": hamming_loss(Yv, (proba >= 0.5).astype(int)),
                "subset_acc_05": float(np.mean(np.all((proba >= 0.5) == Yv, axis=1))),
                "fit_s": fit_s,
            }
        )
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def _sparse(X):
    import scipy.sparse as sp

    return sp.issparse(X)


def summarize(path):
    """Mean over seeds per (candidate, data, scaling) from the JSONL record."""
    runs = [json.loads(line) for line in path.read_text().splitlines() if line]
    table = {}
    for r in runs:  # a rerun of the same seed replaces the earlier one
        key = (r["candidate"], r["data"], r["scaled"])
        table.setdefault(key, {})[(r["seed"], r["folds"])] = r["scores"]
    out = []
    for (cand, data, scaled), by_seed in table.items():
        scores = list(by_seed.values())
        mean = {k: float(np.mean([s[k] for s in scores])) for k in scores[0]}
        out.append(
            {"candidate": cand, "data": data, "scaled": scaled, "n_seeds": len(scores),
             **mean}
        )  # fmt: skip
    return out


def markdown(rows):
    lines = [
        "# Architecture cross-validation (training splits only)",
        "",
        "k-fold CV (IterativeStratifiedKFold) inside the training splits; "
        'F1 with `threshold="auto"`, Hamming loss and subset accuracy at 0.5 '
        "(same fits); mean over folds and seeds (3 folds unless said; `seeds` "
        "counts the repeats of the whole CV). Fit seconds per fit, on 2 cores "
        "shared with other jobs (load 7-12): compare them within a run only. "
        "`seed` is the seed workflow of bench_speed.py (5 folds, hidden (20,), "
        "100 epochs, no early stopping, threshold 0.5, so its F1 is at 0.5; "
        "count features, no scaler). Candidates: see the module docstring "
        "(`mlp` is the network before this round, `plr` periodic embeddings "
        "(16 frequencies, sigma 0.1, 16 values per feature; `_e8`: 8 values, "
        "`_s001`: sigma 0.01), `tabm{k}` TabM-mini with k heads (`_w` width, "
        "`_d` dropout/10), `mlp_norm` in-network standardisation, `adamw` "
        "weight decay 0.01, `cosine` a cosine learning-rate decay).",
        "",
        "| data | scaled | candidate | seeds | micro-F1 | macro-F1 | Hamming@0.5 | "
        "subset acc@0.5 | fit s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["data"], not r["scaled"], r["candidate"])):
        lines.append(
            f"| {r['data']} | {'yes' if r['scaled'] else 'no'} | {r['candidate']} | "
            f"{r['n_seeds']} | {r['micro_f1']:.4f} | {r['macro_f1']:.4f} | "
            f"{r['hamming']:.4f} | {r['subset_acc_05']:.4f} | {r['fit_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def load_test(data_dir, name):
    return load(data_dir, name)[1]


def test_report(names, datasets, seeds, data_dir):
    """The final table: fit on the training split, score the TEST split (never
    used to choose anything), F1 with threshold="auto" and Hamming loss of the
    same fit's probabilities at 0.5, StandardScaler pipelines."""
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    record = RESULTS / "architecture_test.jsonl"
    for data in datasets:
        X, Y = load_train(data_dir, data)
        Xt, Yt = load_test(data_dir, data)
        for seed in seeds:
            for name in names:
                est = make_pipeline(
                    StandardScaler(),
                    MultiLabelNNClassifier(
                        threshold="auto", random_state=seed, **candidate(name)
                    ),
                )
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    est.fit(X, Y)
                fit_s = time.perf_counter() - t
                t = time.perf_counter()
                P = est.predict(Xt)
                proba = est.predict_proba(Xt)
                predict_s = time.perf_counter() - t
                scores = {
                    "micro_f1": f1_score(Yt, P, average="micro", zero_division=0),
                    "macro_f1": f1_score(Yt, P, average="macro", zero_division=0),
                    "hamming": hamming_loss(Yt, (proba >= 0.5).astype(int)),
                    "subset_acc_05": float(
                        np.mean(np.all((proba >= 0.5) == Yt, axis=1))
                    ),
                    "fit_s": fit_s,
                    "predict_s": predict_s,
                }
                entry = {"candidate": name, "data": data, "seed": seed,
                         "scores": scores}  # fmt: skip
                with record.open("a") as f:
                    f.write(json.dumps(entry) + "\n")
                print(f"TEST {data} seed {seed} {name}: {scores}", flush=True)


def write_test_summary(record):
    """``architecture_test.md``: mean ± std over seeds of the test-split runs."""
    runs = [json.loads(line) for line in record.read_text().splitlines() if line]
    table = {}
    for r in runs:
        table.setdefault((r["data"], r["candidate"]), {})[r["seed"]] = r["scores"]
    lines = [
        "# Default network before and after issue 15: test splits",
        "",
        "Fit on the MULAN training split, scored on the test split (used for "
        "this report only, never to choose). StandardScaler pipelines; F1 "
        'with `threshold="auto"` (tuned thresholds, fold-network ensemble), '
        "Hamming loss and subset accuracy of the same fit's probabilities at "
        "0.5; mean ± std over seeds. `mlp`: the default network before "
        "(no in-network standardisation, no embeddings); `default`: the "
        "defaults now (standardisation and periodic embeddings, as the "
        "features are continuous). Seconds on 2 cores shared with other jobs "
        "(load 8-13), so compare them within a row pair only.",
        "",
        "| data | network | seeds | micro-F1 | macro-F1 | Hamming@0.5 | "
        "subset acc@0.5 | fit s | predict s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (data, cand), by_seed in sorted(table.items()):
        scores = list(by_seed.values())

        def cell(key, digits=3, scores=scores):
            values = [sc[key] for sc in scores]
            return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"

        lines.append(
            f"| {data} | {cand} | {len(scores)} | {cell('micro_f1')} | "
            f"{cell('macro_f1')} | {cell('hamming', 4)} | "
            f"{cell('subset_acc_05')} | {cell('fit_s', 0)} | "
            f"{cell('predict_s', 1)} |"
        )
    (RESULTS / "architecture_test.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="mlp,tabm8")
    parser.add_argument("--data", default="yeast,scene")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--unscaled", action="store_true")
    parser.add_argument(
        "--test-report", action="store_true",
        help="score the test splits (the final report only, never to choose)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.test_report:
        seeds = [int(s) for s in args.seeds.split(",")]
        test_report(args.only.split(","), args.data.split(","), seeds, args.data_dir)
        write_test_summary(RESULTS / "architecture_test.jsonl")
        return
    record = RESULTS / "architecture_cv.jsonl"
    for data in args.data.split(","):
        X, Y = get_data(data, args.data_dir)
        for seed in [int(s) for s in args.seeds.split(",")]:
            for name in args.only.split(","):
                scores = cv_one(
                    name, data, X, Y, folds=args.folds, seed=seed,
                    scale=not args.unscaled,
                )  # fmt: skip
                scaled = not args.unscaled and data != "seed"
                entry = {"candidate": name, "data": data, "seed": seed,
                         "folds": args.folds, "scaled": scaled,
                         "scores": scores}  # fmt: skip
                with record.open("a") as f:
                    f.write(json.dumps(entry) + "\n")
                print(
                    f"{data} seed {seed} {name:>16}: "
                    + " ".join(f"{k}={v:.4f}" for k, v in scores.items()),
                    flush=True,
                )
    write_summary(record)


def write_summary(record):
    rows = summarize(record)
    (RESULTS / "architecture_cv.json").write_text(json.dumps(rows, indent=1) + "\n")
    (RESULTS / "architecture_cv.md").write_text(markdown(rows))


if __name__ == "__main__":
    main()
