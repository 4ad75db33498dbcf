"""Search for MultiLabelNNClassifier defaults on the TRAINING splits of yeast and scene.

Cross-validation inside each training split only (the test splits are never read),
``threshold=0.5``, scored by micro-F1 (higher is better) and Hamming loss (lower is
better). A coarse staged search:

1. architecture x dropout x learning rate, with early stopping (epochs=200,
   n_iter_no_change=10), alpha=0, batch_size=32;
2. around the best stage-1 configuration: training length (early stopping vs fixed
   50/100 epochs), alpha (1e-4), batch size (64)
   (each change alone on the best stage-1 configuration);
3. finalists (top stage-1 configurations, stage-2 changes that helped, the current
   package defaults) again, with repeated k-fold (new folds and seeds) to separate
   real differences from noise.

CV results are cached in ``defaults_search_cache.jsonl`` so a rerun resumes.

Configurations are ranked by their mean rank over the four (data set, metric) pairs.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_defaults.py [--data-dir DIR] [--quick]

Writes ``benchmarks/results/defaults_search.json`` and ``defaults_search.md``.
"""

import argparse
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, hamming_loss
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

os.environ.setdefault("KERAS_BACKEND", "jax")  # the package's default backend

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "benchmarks" / "results"
DATASETS = {"yeast": 14, "scene": 6}

BASE = dict(
    hidden_layer_sizes=(256,),
    dropout=0.2,
    learning_rate_init=1e-3,
    early_stopping=True,
    epochs=200,
    n_iter_no_change=10,
    alpha=0.0,
    batch_size=32,
    threshold=0.5,
)


def load_train(data_dir, name):
    from sklearn_multilabel_nn.datasets import load_csv

    return load_csv(
        Path(data_dir) / name / "train.csv",
        label_columns=DATASETS[name],
        return_X_y=True,
    )


def key(params):
    return json.dumps(
        {k: params[k] for k in sorted(params)}, sort_keys=True, default=list
    )


def cv_score(params, X, Y, *, n_splits, n_repeats, seed0):
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    f1s, hls, times = [], [], []
    for rep in range(n_repeats):
        folds = KFold(n_splits, shuffle=True, random_state=seed0 + rep)
        for fold, (tr, va) in enumerate(folds.split(X)):
            clf = make_pipeline(
                StandardScaler(),
                MultiLabelNNClassifier(**params, random_state=seed0 + 100 * rep + fold),
            )
            t = time.perf_counter()
            clf.fit(X[tr], Y[tr])
            times.append(time.perf_counter() - t)
            P = clf.predict(X[va])
            f1s.append(f1_score(Y[va], P, average="micro", zero_division=0))
            hls.append(hamming_loss(Y[va], P))
    return {
        "micro_f1": float(np.mean(f1s)),
        "micro_f1_std": float(np.std(f1s)),
        "hamming": float(np.mean(hls)),
        "hamming_std": float(np.std(hls)),
        "fit_time": float(np.mean(times)),
        "n_fits": len(f1s),
    }


class Cache:
    """CV results on disk (one JSON line each), so an interrupted search resumes."""

    def __init__(self, path):
        self.path = Path(path) if path else None
        self.rows = {}
        if self.path and self.path.exists():
            for line in self.path.read_text().splitlines():
                if line.strip():
                    entry = json.loads(line)
                    self.rows[entry["key"]] = entry["scores"]

    def get(self, params, ds, cv, compute):
        k = key({**params, "_dataset": ds, "_cv": cv})
        if k not in self.rows:
            self.rows[k] = compute()
            if self.path:
                with self.path.open("a") as f:
                    f.write(json.dumps({"key": k, "scores": self.rows[k]}) + "\n")
        return self.rows[k]


def run_stage(name, configs, data, *, n_splits, n_repeats, seed0, log, cache):
    rows = []
    for i, params in enumerate(configs):
        params = {**BASE, **params}
        row = {
            "params": {
                k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()
            },
            "scores": {},
        }
        for ds, (X, Y) in data.items():
            row["scores"][ds] = cache.get(
                params, ds, [n_splits, n_repeats, seed0],
                lambda: cv_score(params, X, Y, n_splits=n_splits,  # noqa: B023 (called at once)
                                 n_repeats=n_repeats, seed0=seed0),
            )  # fmt: skip
        rows.append(row)
        s = row["scores"]
        log(
            f"[{name} {i + 1}/{len(configs)}] "
            + " ".join(
                f"{ds}: F1={s[ds]['micro_f1']:.4f} HL={s[ds]['hamming']:.4f} "
                f"({s[ds]['fit_time']:.2f}s)"
                for ds in data
            )
            + f"  {describe(params)}"
        )
    rank(rows, list(data))
    return sorted(rows, key=lambda r: r["mean_rank"])


def rank(rows, datasets):
    ranks = np.zeros(len(rows))
    for ds in datasets:
        f1 = np.array([r["scores"][ds]["micro_f1"] for r in rows])
        hl = np.array([r["scores"][ds]["hamming"] for r in rows])
        ranks += (-f1).argsort().argsort() + 1
        ranks += hl.argsort().argsort() + 1
    for r, v in zip(rows, ranks / (2 * len(datasets)), strict=True):
        r["mean_rank"] = float(v)


def describe(params):
    p = params
    training = (
        f"ES(max {p['epochs']}, patience {p['n_iter_no_change']})"
        if p["early_stopping"]
        else f"{p['epochs']} epochs"
    )
    return (
        f"hidden={tuple(p['hidden_layer_sizes'])} dropout={p['dropout']} "
        f"lr={p['learning_rate_init']:g} {training} alpha={p['alpha']:g} "
        f"batch={p['batch_size']}"
    )


def pm(scores, k):
    return "" if scores.get(k) is None else f" ± {scores[k]:.3f}"


def markdown(stages, datasets, chosen):
    lines = [
        "# MultiLabelNNClassifier defaults search",
        "",
        "Cross-validation inside the TRAINING splits only (threshold=0.5, "
        "StandardScaler pipeline). Rank = mean rank over "
        "(data set x {micro-F1, Hamming loss}); lower is better.",
        "",
        f"**Chosen defaults:** `{describe(chosen)}`",
        "",
    ]
    for name, info in stages.items():
        lines += [f"## {name}", "", info["description"], ""]
        head = (
            "| rank | configuration | "
            + " | ".join(f"{ds} micro-F1 | {ds} Hamming" for ds in datasets)
            + " | fit s (mean) |"
        )
        lines += [head, "|" + "---|" * (2 + 2 * len(datasets) + 1)]
        for r in info["rows"]:
            s = r["scores"]
            cells = " | ".join(
                f"{s[ds]['micro_f1']:.4f}{pm(s[ds], 'micro_f1_std')} | "
                f"{s[ds]['hamming']:.4f}{pm(s[ds], 'hamming_std')}"
                for ds in datasets
            )
            t = np.mean([s[ds]["fit_time"] for ds in datasets])
            lines.append(
                f"| {r['mean_rank']:.2f} | {describe(r['params'])} | {cells} | {t:.2f} |"
            )
        notes = {r["scores"][ds].get("note") for r in info["rows"] for ds in datasets}
        notes -= {None}
        for note in sorted(notes):
            lines.append(f"Some rows have no ± std: {note}.")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--quick", action="store_true", help="tiny grid (smoke test)")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument(
        "--top", type=int, default=3, help="stage-1 configurations kept for stage 3"
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="repetitions of 3-fold CV in stage 3"
    )
    parser.add_argument(
        "--cache",
        default=None,
        help="JSON-lines file of CV results to reuse and extend "
        "(default: defaults_search_cache.jsonl in --out)",
    )
    args = parser.parse_args(argv)

    def log(msg):
        print(msg, flush=True)

    data = {ds: load_train(args.data_dir, ds) for ds in DATASETS}
    suffix = "_quick" if args.quick else ""
    cache = Cache(args.cache or Path(args.out) / f"defaults_search{suffix}_cache.jsonl")
    t0 = time.perf_counter()

    if args.quick:
        grid1 = [
            dict(hidden_layer_sizes=h, dropout=d)
            for h in [(128,), (256,)]
            for d in (0.0, 0.5)
        ]
    else:
        grid1 = [
            dict(hidden_layer_sizes=h, dropout=d, learning_rate_init=lr)
            for h, d, lr in itertools.product(
                [(128,), (256,), (512,), (256, 128)], [0.0, 0.2, 0.5], [1e-3, 3e-3]
            )
        ]
    stages = {}
    rows1 = run_stage("stage 1", grid1, data, n_splits=3, n_repeats=1, seed0=0,
                      log=log, cache=cache)  # fmt: skip
    stages["Stage 1: architecture x dropout x learning rate"] = {
        "description": "Early stopping (max 200 epochs, patience 10), alpha=0, "
        "batch 32; 3-fold CV.",
        "rows": rows1,
    }
    # Stage 2: one change at a time around the best stage-1 configuration (a full
    # product would cost ~10x more for differences that stage 1 shows are small).
    best1 = rows1[0]["params"]
    variants = [
        dict(early_stopping=False, epochs=50),
        dict(early_stopping=False, epochs=100),
        dict(alpha=1e-4),
        dict(batch_size=64),
    ]
    if args.quick:
        variants = variants[:2]
    grid2 = [best1] + [{**best1, **v} for v in variants]
    rows2 = run_stage("stage 2", grid2, data, n_splits=3, n_repeats=1, seed0=0,
                      log=log, cache=cache)  # fmt: skip
    stages["Stage 2: training length, alpha, batch size (one at a time)"] = {
        "description": "Each change alone on the best stage-1 configuration; "
        "3-fold CV (same folds as stage 1).",
        "rows": rows2,
    }
    # Stage 3: the top stage-1 configurations, the stage-2 changes that beat the
    # best stage-1 configuration, and the current package defaults, on new folds.
    finalists = [r["params"] for r in rows1[: args.top]]
    base_rank = next(r["mean_rank"] for r in rows2 if key(r["params"]) == key(best1))
    finalists += [r["params"] for r in rows2 if r["mean_rank"] < base_rank]
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    current = {k: v for k, v in MultiLabelNNClassifier().get_params().items()
               if k in BASE}  # fmt: skip
    current = {k: (list(v) if isinstance(v, tuple) else v) for k, v in current.items()}
    finalists.append({**BASE, **current})
    unique = {}
    for p in finalists:
        unique.setdefault(key({**BASE, **p}), p)
    rows3 = run_stage(
        "stage 3", list(unique.values()), data, n_splits=3,
        n_repeats=1 if args.quick else args.repeats, seed0=1000, log=log, cache=cache,
    )  # fmt: skip
    stages["Stage 3: finalists re-scored with fresh folds and seeds"] = {
        "description": f"3-fold CV repeated {args.repeats} times with new folds and "
        f"seeds ({3 * args.repeats} fits per data set); includes the current "
        "package defaults.",
        "rows": rows3,
    }
    chosen = rows3[0]["params"]
    elapsed = time.perf_counter() - t0

    import keras
    import sklearn

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "chosen": chosen,
        "current_defaults": current,
        "stages": dict(stages),
        "wall_time_s": round(elapsed, 1),
        "quick": args.quick,
        "environment": {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
        },
    }
    (out / f"defaults_search{suffix}.json").write_text(json.dumps(result, indent=1))
    (out / f"defaults_search{suffix}.md").write_text(
        markdown(stages, list(DATASETS), chosen)
        + f"\nWall time: {elapsed:.0f} s (CV results already in the cache are reused); "
        f"fitting time of all {sum(r['n_fits'] for r in cache.rows.values())} cached "
        f"CV fits: {sum(r['fit_time'] * r['n_fits'] for r in cache.rows.values()):.0f} s "
        "(on 2 shared cores).\n"
    )
    print(markdown(stages, list(DATASETS), chosen))
    print(f"wall time {elapsed:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
