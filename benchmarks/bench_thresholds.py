"""Time the per-label threshold search and micro-F1 coordinate ascent.

Standalone: ``python benchmarks/bench_thresholds.py [--quick]``. Writes
``benchmarks/results/thresholds.json``. The data imitate a multi-label model:
label frequencies from 0.05% to 20% (log-uniform), scores a sigmoid of a noisy
logit that is higher for positives. Scores are timed as float32 (what a Keras
model outputs; exactly float32 values take the 32-bit sort path) and as general
float64 values.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn_multilabel_nn import (  # noqa: E402
    TunedThresholdMultiLabelClassifierCV,
    tune_thresholds,
)


class FixedScores:
    """A fitted stand-in classifier whose ``predict_proba`` returns given
    float32 scores (what a Keras network gives), for ``cv="prefit"``."""

    def __init__(self, proba):
        self.proba = proba
        self.classes_ = np.arange(proba.shape[1])
        self.n_features_in_ = 1

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        return self.proba

    def get_params(self, deep=True):
        return {"proba": self.proba}


def make_data(n_samples, n_labels, seed=0):
    rng = np.random.default_rng(seed)
    rates = np.exp(rng.uniform(np.log(5e-4), np.log(0.2), n_labels))
    Y = rng.random((n_samples, n_labels), dtype=np.float32) < rates.astype(np.float32)
    logit = rng.standard_normal((n_samples, n_labels), dtype=np.float32)
    logit += np.where(Y, 2.0, -2.0).astype(np.float32)
    P32 = 1 / (1 + np.exp(-logit))
    return Y, P32


def timed(func, repeat):
    """Median wall time, and the process CPU time (all threads) of each run.

    On a shared machine the CPU time is the steadier figure: on a quiet one
    with ``n_jobs`` free cores the wall time is roughly ``cpu_s / n_jobs``.
    """
    times, cpu = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {
        "median_s": statistics.median(times),
        "median_cpu_s": statistics.median(cpu),
        "runs_s": times,
        "runs_cpu_s": cpu,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--n-labels", type=int, default=1_000)
    parser.add_argument("--ascent-labels", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 run")
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "thresholds.json")
    )
    args = parser.parse_args()
    if args.quick:
        args.n_samples, args.n_labels, args.ascent_labels, args.repeat = (
            10_000,
            100,
            20,
            1,
        )
    n, L = args.n_samples, args.n_labels
    Y, P32 = make_data(n, L)
    P64 = P32.astype(np.float64)
    P64 += np.random.default_rng(1).uniform(-1e-9, 1e-9, P64.shape)  # not float32
    np.clip(P64, 0, 1, out=P64)
    results = {
        "load_average_at_start": os.getloadavg(),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "n_samples": n,
        "n_labels": L,
        "positive_rate_mean": float(Y.mean()),
        "per_label_f1": {},
    }
    for dtype_name, P in (("float32", P32), ("float64", P64)):
        for n_jobs in (1, 2):
            key = f"{dtype_name}_n_jobs={n_jobs}"
            r = timed(
                lambda P=P, n_jobs=n_jobs: tune_thresholds(Y, P, "f1", n_jobs=n_jobs),
                args.repeat,
            )
            results["per_label_f1"][key] = r
            print(
                f"per-label F1 {n}x{L} {key}: median {r['median_s']:.2f} s "
                f"(CPU {r['median_cpu_s']:.2f} s)"
            )
        # Reference: the sort alone (one row per label, as the search sorts).
        keys = np.ascontiguousarray(P.T)
        r = timed(lambda keys=keys: np.sort(keys, axis=1), args.repeat)
        results["per_label_f1"][f"{dtype_name}_sort_only_reference"] = r
        print(
            f"  np.sort of the same {dtype_name} values alone: CPU "
            f"{r['median_cpu_s']:.2f} s"
        )
        del keys
    # Issue 17's workload: the whole tuner around a prefit model, one thread,
    # default settings but for the objective (per-label F1, and the default).
    X = np.zeros((n, 1), dtype=np.float32)
    Y8 = Y.astype(np.int8)
    for scoring in ("f1", "f1_micro_macro"):
        tuner = TunedThresholdMultiLabelClassifierCV(
            FixedScores(P32), cv="prefit", scoring=scoring
        )
        r = timed(lambda tuner=tuner: tuner.fit(X, Y8), args.repeat)
        results[f"tuner_prefit_{scoring}"] = r
        print(
            f"TunedThresholdMultiLabelClassifierCV(cv='prefit', scoring={scoring!r}) "
            f"{n}x{L}: median {r['median_s']:.2f} s (CPU {r['median_cpu_s']:.2f} s)"
        )
    La = min(args.ascent_labels, L)
    Ya, Pa = Y[:, :La], P32[:, :La]
    start = tune_thresholds(Ya, Pa, "f1")
    holder = {}

    def ascent():
        holder["res"] = tune_thresholds(Ya, Pa, "f1_micro", n_jobs=2)

    r = timed(ascent, args.repeat)
    res = holder["res"]
    micro_start = (
        2
        * np.sum((Pa >= start.thresholds) & Ya)
        / (np.sum(Pa >= start.thresholds) + np.sum(Ya))
    )
    r.update(
        n_labels=La,
        n_sweeps=res.n_sweeps,
        micro_f1_per_label_start=float(micro_start),
        micro_f1_after_ascent=res.score,
        per_label_s=r["median_s"] / max(res.n_sweeps, 1) / La,
    )
    results["micro_f1_coordinate_ascent"] = r
    print(
        f"micro-F1 ascent {n}x{La}: median {r['median_s']:.2f} s "
        f"(CPU {r['median_cpu_s']:.2f} s), "
        f"{res.n_sweeps} sweeps, micro-F1 {micro_start:.4f} -> {res.score:.4f}"
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
