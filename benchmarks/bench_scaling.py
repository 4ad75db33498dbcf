"""Scaling benchmark: time and peak memory of MultiLabelNNClassifier.fit
over n_samples and n_labels, and a large sparse problem.

Every point runs in a fresh subprocess, so its peak RSS (the resident-set
high-water mark) belongs to that point alone. The child reports the RSS after
imports, after generating the data, and the peak of the fit: on Linux the
high-water mark is reset just before the fit (``/proc/self/clear_refs``), so
the data generator's own temporaries do not count; elsewhere it is
``ru_maxrss`` of the whole process. The fit's overhead is ``peak - RSS after
data``; for sparse data the tables give it **per row** (bytes per row =
(peak RSS of the fit - RSS after imports and data) / n_samples, in bytes of
1,000 = KB) and as a multiple of the data's own size (CSR arrays and uint8
labels).

Dense grid: X is float32 Gaussian, 50 features; labels are thresholded
random linear functions of X (~10% positive); hidden (64,), batch 256,
dropout 0, no early stopping. One fit of 1 epoch first (compiles), then a
timed fit of ``epochs`` epochs (the compiled program is reused), from which
seconds/epoch and samples/second come.

Sparse case: ``text_like`` rows (bench_speed.py) with 5,000 features at
~0.2% density, 100 labels, built directly as CSR; one timed 1-epoch fit
(compile included), under sklearn's default working_memory (1024 MiB) and 128.

Usage::

    PYTHONPATH=. python benchmarks/bench_scaling.py           # default grid
    PYTHONPATH=. python benchmarks/bench_scaling.py --quick   # small grid
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
N_FEATURES = 50


def _rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mib():
    """The high-water mark of RSS (since the last ``_reset_peak``)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reset_peak():
    """Reset the RSS high-water mark to the current RSS (Linux); False where
    that is not possible (the peak then covers the whole process)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# Child: one point
# --------------------------------------------------------------------------
def dense_data(n, n_labels, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, N_FEATURES), dtype=np.float32)
    W = rng.standard_normal((N_FEATURES, n_labels), dtype=np.float32)
    Y = np.empty((n, n_labels), dtype=np.uint8)
    for s in range(0, n, 100_000):  # bounded temporaries
        Y[s : s + 100_000] = X[s : s + 100_000] @ W > 1.28 * np.sqrt(N_FEATURES)
    return X, Y


def _block_each_chunk():
    """Diagnostic only (package code untouched): make the engine wait for
    each sparse chunk's training step before densifying the next one, i.e.
    put back-pressure on JAX's asynchronous dispatch."""
    import jax

    from sklearn_multilabel_nn._keras import _programs

    compile_ = _programs._compile

    def patched(*args, **kwargs):
        program = dict(compile_(*args, **kwargs))
        train_chunk = program["train_chunk"]

        def blocking(*a):
            return jax.block_until_ready(train_chunk(*a))

        program["train_chunk"] = blocking
        return program

    _programs._compile = patched


def _time_not_learned_check(out):
    """Diagnostic only (package code untouched): seconds the fit spends in
    its closing check (one forward pass over the training data)."""
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    check = MultiLabelNNClassifier._warn_if_not_learned

    def timed_check(*args, **kwargs):
        tic = time.perf_counter()
        try:
            return check(*args, **kwargs)
        finally:
            out["check_s"] = out.get("check_s", 0.0) + time.perf_counter() - tic

    MultiLabelNNClassifier._warn_if_not_learned = timed_check


def run_point(spec):
    import jax
    import sklearn

    import sklearn_multilabel_nn._keras  # noqa: F401  (import keras/jax first)
    from sklearn_multilabel_nn import MultiLabelNNClassifier
    from sklearn_multilabel_nn._keras import _engine  # noqa: F401

    # Everything imported and JAX's runtime started before the first RSS
    # reading, so that the fit's overhead does not count the imports.
    jax.numpy.zeros(1).block_until_ready()

    if spec.get("block_each_chunk"):
        _block_each_chunk()
    out = {"spec": spec, "rss_after_imports_mib": _rss_mib()}
    _time_not_learned_check(out)
    tic = time.perf_counter()
    if spec["kind"] == "dense":
        X, Y = dense_data(spec["n"], spec["n_labels"])
        data_mib = (X.nbytes + Y.nbytes) / 2**20
    else:
        sys.path.insert(0, str(HERE))
        from bench_speed import text_like

        X, Y = text_like(
            n_samples=spec["n"],
            n_features=spec["n_features"],
            n_labels=spec["n_labels"],
            mean_labels=2.4,
            doc_length=spec["doc_length"],
            noise=0.3,
            random_state=0,
        )
        data_mib = (
            X.data.nbytes + X.indices.nbytes + X.indptr.nbytes + Y.nbytes
        ) / 2**20
        out["density"] = X.nnz / (X.shape[0] * X.shape[1])
    out["generate_s"] = time.perf_counter() - tic
    out["data_mib"] = data_mib
    out["rss_after_data_mib"] = _rss_mib()
    out["peak_before_fit_mib"] = _peak_mib()
    out["peak_reset_before_fit"] = _reset_peak()

    def fit(epochs):
        est = MultiLabelNNClassifier(
            hidden_layer_sizes=tuple(spec["hidden"]), epochs=epochs,
            batch_size=spec["batch_size"], dropout=0.0, early_stopping=False,
            random_state=0,
        )  # fmt: skip
        tic = time.perf_counter()
        with sklearn.config_context(working_memory=spec.get("working_memory", 1024)):
            est.fit(X, Y)
        return time.perf_counter() - tic, est

    if spec.get("warmup", True):
        out["first_fit_1_epoch_s"], _ = fit(1)
    out["check_s"] = 0.0
    t, est = fit(spec["epochs"])
    out["fit_s"] = t
    out["s_per_epoch"] = t / spec["epochs"]
    out["samples_per_s"] = spec["n"] * spec["epochs"] / t
    out["final_loss"] = float(est.loss_curve_[-1])
    out["peak_rss_mib"] = _peak_mib()
    out["train_overhead_mib"] = out["peak_rss_mib"] - out["rss_after_data_mib"]
    out["fit_kb_per_row"] = out["train_overhead_mib"] * 2**20 / 1000 / spec["n"]
    out["fit_overhead_over_data"] = out["train_overhead_mib"] / data_mib
    return out


# --------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------
def spawn(spec, timeout):
    cmd = [sys.executable, __file__, "--point", json.dumps(spec)]
    tic = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"spec": spec, "error": f"timeout after {timeout}s"}
    wall = time.perf_counter() - tic
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            res = json.loads(line)
            res["subprocess_wall_s"] = wall
            return res
    return {"spec": spec, "error": f"rc={proc.returncode}: {proc.stderr[-2000:]}"}


def grid(quick):
    if quick:
        sizes, labels = (1_000, 10_000), (10, 100)
    else:
        sizes, labels = (1_000, 10_000, 100_000, 1_000_000), (10, 100, 1000)
    specs = []
    for L in labels:
        for n in sizes:
            if (
                n * L > 1e8
            ):  # 1e6 x 1000: the dense 0/1 targets alone are 4 GB as float32
                continue
            epochs = 3 if n <= 100_000 else 1
            specs.append(
                {
                    "kind": "dense",
                    "n": n,
                    "n_labels": L,
                    "hidden": [64],
                    "batch_size": 256,
                    "epochs": epochs,
                }
            )
    n_sparse = 100_000 if quick else 1_000_000
    # One timed 1-epoch fit, compile included (seconds against minutes of epoch).
    for wm in (1024, 128):
        specs.append({
            "kind": "sparse", "n": n_sparse, "n_features": 5000, "n_labels": 100,
            "doc_length": 11, "hidden": [128], "batch_size": 256, "epochs": 1,
            "working_memory": wm, "warmup": False,
        })  # fmt: skip
    return specs


def trace_memory(n=200_000, working_memory=32):
    """Diagnostic: which host (numpy) allocations are alive when training
    starts on the sparse problem (tracemalloc; JAX buffers are not seen)."""
    import tracemalloc

    import sklearn

    sys.path.insert(0, str(HERE))
    from bench_speed import text_like

    from sklearn_multilabel_nn import MultiLabelNNClassifier
    from sklearn_multilabel_nn._keras import _loops

    X, Y = text_like(
        n_samples=n, n_features=5000, n_labels=100, doc_length=11, random_state=0
    )
    lines = [
        f"text_like n={n:,}: X (CSR) "
        f"{(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20:.1f} MiB, "
        f"Y (uint8) {Y.nbytes / 2**20:.1f} MiB; working_memory={working_memory} MiB"
    ]
    train = _loops.train

    def wrapped(*args, **kwargs):
        stats = tracemalloc.take_snapshot().statistics("traceback")
        lines.append(
            f"host allocations alive when _train_jax starts: "
            f"{sum(x.size for x in stats) / 2**20:.1f} MiB; largest:"
        )
        for x in stats[:4]:
            where = " <- ".join(
                f"{f.filename.split('/')[-1]}:{f.lineno}"
                for f in list(x.traceback)[-3:]
            )
            lines.append(f"  {x.size / 2**20:7.1f} MiB  {where}")
        return train(*args, **kwargs)

    _loops.train = wrapped
    tracemalloc.start(25)
    est = MultiLabelNNClassifier(
        hidden_layer_sizes=(128,),
        epochs=1,
        batch_size=256,
        dropout=0.0,
        early_stopping=False,
        random_state=0,
    )
    with sklearn.config_context(working_memory=working_memory):
        est.fit(X, Y)
    lines.append(
        f"tracemalloc peak during fit: "
        f"{tracemalloc.get_traced_memory()[1] / 2**20:.1f} MiB"
    )
    _loops.train = train
    return "\n".join(lines)


def diagnose_specs(quick):
    """Sparse chunked path with and without waiting for each chunk."""
    n = 100_000 if quick else 300_000
    base = {
        "kind": "sparse",
        "n": n,
        "n_features": 5000,
        "n_labels": 100,
        "doc_length": 11,
        "hidden": [128],
        "batch_size": 256,
        "epochs": 1,
        "warmup": False,
    }
    return [
        dict(base, working_memory=1024),
        dict(base, working_memory=1024, block_each_chunk=True),
        dict(base, n=1_000_000, working_memory=128, block_each_chunk=True),
    ]


def markdown(results):
    lines = ["# Scaling benchmark", ""]
    lines.append(
        f"Fresh subprocess per point; peak = RSS high-water mark (ru_maxrss) of "
        f"that process. "
        f"Wall time {results['wall_s']:.0f} s."
    )
    lines += [
        "",
        f"## Dense X ({N_FEATURES} float32 features), hidden (64,), batch 256",
        "",
        "| n_samples | n_labels | s/epoch | samples/s | first fit (1 epoch, "
        "compile) s | data MiB | RSS after data MiB | peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["points"]:
        s = r["spec"]
        if s["kind"] != "dense":
            continue  # noqa
        if "error" in r:
            lines.append(
                f"| {s['n']} | {s['n_labels']} | error: {r['error'][:80]} | | | | | |"
            )
            continue
        lines.append(
            f"| {s['n']:,} | {s['n_labels']} | {r['s_per_epoch']:.3f} | "
            f"{r['samples_per_s']:,.0f} | "
            f"{r['first_fit_1_epoch_s']:.2f} | {r['data_mib']:.0f} | "
            f"{r['rss_after_data_mib']:.0f} | {r['peak_rss_mib']:.0f} |"
        )
    lines += [
        "",
        "## Large sparse X (text_like, 5,000 features, 100 labels), hidden (128,), "
        "batch 256",
        "",
        "| n_samples | density | working_memory MiB | s/epoch | of which check s "
        "| samples/s | data MiB | RSS after data MiB | peak RSS MiB | fit KB/row "
        "| fit / data | peak < 2 GiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results["points"]:
        s = r["spec"]
        if s["kind"] != "sparse":
            continue
        if "error" in r:
            lines.append(
                f"| {s['n']} | | {s['working_memory']} | error: {r['error'][:80]} | "
                f"| | | | | | | |"
            )
            continue
        wm = f"{s['working_memory']}" + (
            " + wait per chunk (diagnostic)" if s.get("block_each_chunk") else ""
        )
        lines.append(
            f"| {s['n']:,} | {r['density']:.4f} | {wm} | {r['s_per_epoch']:.1f} | "
            f"{r.get('check_s', float('nan')):.1f} | "
            f"{r['samples_per_s']:,.0f} | {r['data_mib']:.0f} | "
            f"{r['rss_after_data_mib']:.0f} | {r['peak_rss_mib']:.0f} | "
            f"{r['fit_kb_per_row']:.2f} | {r['fit_overhead_over_data']:.1f}x | "
            f"{'yes' if r['peak_rss_mib'] < 2048 else 'NO'} |"
        )
    lines += [
        "",
        "fit KB/row = (peak RSS of the fit - RSS after imports and data) / "
        "n_samples, in KB of 1,000 bytes; fit / data = the same overhead over "
        "the data's own size (CSR arrays and uint8 labels). s/epoch is the whole "
        "fit (compilation included) over its epochs; 'of which check' is the "
        "fit's closing check that the network learned (a forward pass over the "
        "training data).",
        "",
    ]
    return "\n".join(lines)  # noqa


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    dense = [
        r
        for r in results["points"]
        if r["spec"]["kind"] == "dense" and "error" not in r
    ]
    for L in sorted({r["spec"]["n_labels"] for r in dense}):
        pts = sorted(
            (
                r["spec"]["n"],
                r["s_per_epoch"],
                r["peak_rss_mib"],
                r["rss_after_data_mib"],
            )
            for r in dense
            if r["spec"]["n_labels"] == L
        )
        n = [p[0] for p in pts]
        ax1.loglog(n, [p[1] for p in pts], "o-", label=f"{L} labels")
        ax2.semilogx(n, [p[2] for p in pts], "o-", label=f"{L} labels, peak")
        ax2.semilogx(
            n,
            [p[3] for p in pts],
            "x:",
            color=ax2.lines[-1].get_color(),
            label=f"{L} labels, data loaded",
        )
    for r in results["points"]:
        if r["spec"]["kind"] == "sparse" and "error" not in r:
            wm = r["spec"]["working_memory"]
            ax1.loglog(
                [r["spec"]["n"]],
                [r["s_per_epoch"]],
                "s",
                label=f"sparse 5000 feat., wm={wm}",
            )
            ax2.semilogx(
                [r["spec"]["n"]],
                [r["peak_rss_mib"]],
                "s",
                label=f"sparse, wm={wm} MiB, peak",
            )
    ax2.axhline(2048, color="gray", lw=0.8, ls="--")
    ax1.set(
        xlabel="n_samples",
        ylabel="seconds per epoch",
        title="Training time (batch 256)",
    )
    ax2.set(
        xlabel="n_samples",
        ylabel="MiB (RSS)",
        title="Peak memory of the fitting process",
    )
    ax1.legend(fontsize=7)
    ax2.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--point", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only", choices=["dense", "sparse", "diagnose", "trace"], default=None
    )
    parser.add_argument("--timeout", type=int, default=900, help="seconds per point")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    if args.only == "trace":
        print(trace_memory())
        return 0
    if args.point:
        print(json.dumps(run_point(json.loads(args.point))), flush=True)
        return 0
    tic = time.perf_counter()
    points = []
    specs = diagnose_specs(args.quick) if args.only == "diagnose" else grid(args.quick)
    for spec in specs:
        if args.only and args.only != "diagnose" and spec["kind"] != args.only:
            continue
        res = spawn(spec, args.timeout)
        points.append(res)
        if "error" in res:
            print(f"  {spec}: ERROR {res['error'][-300:]}", flush=True)
        else:
            print(
                f"  {spec['kind']} n={spec['n']} labels={spec['n_labels']} "
                f"wm={spec.get('working_memory', '-')}: "
                f"{res['s_per_epoch']:.3f} s/epoch, {res['samples_per_s']:,.0f} "
                f"samples/s, "
                f"peak {res['peak_rss_mib']:.0f} MiB (after data "
                f"{res['rss_after_data_mib']:.0f})",
                flush=True,
            )
    import jax
    import keras  # noqa: F401

    results = {
        "quick": args.quick,
        "jax": jax.__version__,
        "devices": [str(d) for d in jax.devices()],
        "cpu_count": os.cpu_count(),
        "points": points,
        "wall_s": time.perf_counter() - tic,
    }
    stem = args.out or ("scaling_quick" if args.quick else "scaling")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    md = markdown(results)
    (RESULTS / f"{stem}.md").write_text(md + "\n")
    plot(results, RESULTS / f"{stem}.png")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
