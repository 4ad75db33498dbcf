"""Threshold objective and ensembling for ``threshold="auto"``, by CV in training splits.

Chooses what ``threshold="auto"`` does by cross-validation *inside* the training
splits of yeast and scene (the test splits are never read): ``--repeats`` x
``--folds`` outer folds (:class:`IterativeStratifiedKFold`). In every outer fold,
on the outer training part (``StandardScaler`` fitted there):

- ``threshold_cv`` member networks on its inner folds (``threshold_cv_repeats``
  partitions of them), with the seeds and folds that ``fit`` uses, each stopping early on its held-out inner fold, giving the
  out-of-fold scores that thresholds are tuned on;
- the final network: ``MultiLabelNNClassifier(random_state=r)`` with the package
  defaults, trained on all of it for the median of the members' epoch counts.

That is exactly what ``fit`` with ``threshold="auto"`` trains (checked on the
first outer fold against the estimator itself), so one set of fits scores every
option on the outer validation part:

- prediction: the final network alone (``ensemble=False``), the members alone,
  or the mean of the members and the final network (``ensemble=True``);
- thresholds: 0.5, or tuned on the out-of-fold scores for ``"f1_micro"``,
  ``"f1"`` (per label), ``"f1_micro_macro"``; for the last, optionally bagged
  over 20 bootstrap resamples (``threshold_bootstrap=20``) and with
  ``min_labels=1`` (the defaults on these data sets, where every sample has a
  label).

Metrics: micro-F1, macro-F1 (``zero_division=0``), their mean, Hamming loss.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_threshold_options.py [--data-dir DIR]
        [--datasets yeast scene] [--repeats 3] [--folds 5] [--threshold-cv 5]
        [--threshold-cv-repeats 1]

Writes ``benchmarks/results/threshold_options.{json,md}`` and prints the table.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, hamming_loss
from sklearn.preprocessing import StandardScaler

os.environ.setdefault("KERAS_BACKEND", "jax")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "benchmarks" / "results"
DATASETS = {"yeast": 14, "scene": 6}
SOURCES = {
    "final": "final network (ensemble=False)",
    "members": "members only",
    "ensemble": "members + final (ensemble=True)",
}
# name: (threshold or scoring, min_labels, threshold_bootstrap)
OPTIONS = {
    "0.5": (0.5, 0, 0),
    "f1_micro": ("f1_micro", 0, 0),
    "f1": ("f1", 0, 0),
    "f1_micro_macro": ("f1_micro_macro", 0, 0),
    "0.5, min_labels=1": (0.5, 1, 0),
    "f1_micro_macro, min_labels=1": ("f1_micro_macro", 1, 0),
    "f1_micro_macro, bagged": ("f1_micro_macro", 0, 20),
    "f1_micro_macro, bagged, min_labels=1": ("f1_micro_macro", 1, 20),
}
DEFAULT_OPTION = "f1_micro_macro, bagged, min_labels=1"  # what fit does


def scores(Y, D):
    micro = f1_score(Y, D, average="micro", zero_division=0)
    macro = f1_score(Y, D, average="macro", zero_division=0)
    return {
        "micro_f1": micro,
        "macro_f1": macro,
        "mean_f1": (micro + macro) / 2,
        "hamming_loss": hamming_loss(Y, D),
    }


def auto_fold(X, Y, Xv, repeat, threshold_cv, cv_repeats=1):
    """What ``fit(threshold="auto")`` trains: out-of-fold scores on (X, Y), one
    array per repeat of the folds, the final and member networks'
    probabilities on Xv, and the seed fit draws. The fold networks come from
    fit's own steps (private, a replica for this benchmark only)."""
    from sklearn_multilabel_nn import MultiLabelNNClassifier, _keras
    from sklearn_multilabel_nn._classifier import _draw_seed

    clf = MultiLabelNNClassifier(
        threshold="auto", threshold_cv=threshold_cv,
        threshold_cv_repeats=cv_repeats, random_state=repeat,
    )  # fmt: skip
    seed = _draw_seed(repeat)
    with _keras.precision(clf.dtype):
        Xc, Yc, w = clf._validate_input(X, Y, None, reset=True)
        clf._start_network(Xc, seed)
        networks, oofs, epochs = clf._train_fold_networks(Xc, Yc, w, seed)
        Xv = clf._validate_X(Xv, reset=False)
        members = np.array([clf._predict_network(n, Xv) for n in networks])
    # The final network: all the data, for the fold networks' epoch count.
    final = MultiLabelNNClassifier(
        random_state=repeat, early_stopping=False, epochs=epochs
    ).fit(X, Y)
    proba = {
        "final": final.predict_proba(Xv),
        "members": members.mean(axis=0),
        "ensemble": (members.sum(axis=0) + final.predict_proba(Xv))
        / (len(members) + 1),
    }
    return oofs, proba, seed


def thresholds(Y, oofs, scoring, bootstrap, seed):
    """As fit tunes them: the shared threshold core (per repeat of the folds,
    bagged over ``bootstrap`` resamples, then averaged)."""
    from sklearn_multilabel_nn._threshold_cv import ThresholdSearch

    search = ThresholdSearch(scoring=scoring, bootstrap=bootstrap)
    return search.tune(np.asarray(Y), oofs, seed)[0]


def check_replica(X, Y, Xv, proba, t, repeat, threshold_cv, cv_repeats):
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    clf = MultiLabelNNClassifier(
        threshold="auto",
        threshold_cv=threshold_cv,
        threshold_cv_repeats=cv_repeats,
        random_state=repeat,
    ).fit(X, Y)
    gap = float(np.abs(clf.predict_proba(Xv) - proba["ensemble"]).max())
    gap = max(gap, float(np.abs(clf.thresholds_ - t).max()))
    assert clf.min_labels_ == OPTIONS[DEFAULT_OPTION][1]
    assert gap < 1e-5, f"replica differs from fit(threshold='auto') by {gap}"
    return gap


def run(data_dir, name, repeats, n_folds, threshold_cv, cv_repeats):
    from sklearn_multilabel_nn import IterativeStratifiedKFold, decode
    from sklearn_multilabel_nn.datasets import load_csv

    X, Y = load_csv(Path(data_dir) / name / "train.csv",
                    label_columns=DATASETS[name], return_X_y=True)  # fmt: skip
    Y = np.asarray(Y)
    rows, gap = {}, None
    for r in range(repeats):
        outer = IterativeStratifiedKFold(n_splits=n_folds, random_state=1000 + r)
        for f, (tr, va) in enumerate(outer.split(X, Y)):
            scaler = StandardScaler().fit(X[tr])
            Xt, Xv = scaler.transform(X[tr]), scaler.transform(X[va])
            oofs, proba, seed = auto_fold(Xt, Y[tr], Xv, r, threshold_cv, cv_repeats)
            tuned = {
                opt: thresholds(Y[tr], oofs, scoring, bootstrap, seed)
                for opt, (scoring, _, bootstrap) in OPTIONS.items()
                if isinstance(scoring, str)
            }
            if gap is None:
                gap = check_replica(
                    Xt, Y[tr], Xv, proba, tuned[DEFAULT_OPTION], r, threshold_cv,
                    cv_repeats,
                )  # fmt: skip
            for opt, (scoring, min_labels, _) in OPTIONS.items():
                t = tuned.get(opt, scoring)
                for src, P in proba.items():
                    D = decode(P, t, min_labels=min_labels)
                    rows.setdefault(f"{src}|{opt}", []).append(scores(Y[va], D))
            print(f"{name} repeat {r} fold {f} done", flush=True)
    summary = {
        k: {m: float(np.mean([s[m] for s in v])) for m in v[0]}
        | {m + "_se": float(np.std([s[m] for s in v]) / np.sqrt(len(v))) for m in v[0]}
        for k, v in rows.items()
    }
    return {"n_train": len(X), "replica_gap": gap, "summary": summary}


def markdown(results, args):
    lines = [
        '# `threshold="auto"` options: CV inside the training splits',
        "",
        f"{args.repeats} x {args.folds}-fold cross-validation inside each training "
        "split (test splits unused), `StandardScaler` fitted per fold, package "
        f"defaults, `threshold_cv={args.threshold_cv}`, "
        f"`threshold_cv_repeats={args.threshold_cv_repeats}`. Mean over the "
        f"{args.repeats * args.folds} outer folds (± standard error). F1 with "
        "`zero_division=0`; mean = (micro + macro) / 2.",
        "",
    ]
    for ds, res in results["datasets"].items():
        lines += [f"## {ds} ({res['n_train']} training samples)", ""]
        lines.append(
            "| prediction | thresholds | micro-F1 | macro-F1 | mean | Hamming ↓ |"
        )
        lines.append("|---|---|---|---|---|---|")
        for src, src_label in SOURCES.items():
            for opt in OPTIONS:
                s = res["summary"][f"{src}|{opt}"]
                cells = [
                    f"{s[m]:.4f} ± {s[m + '_se']:.4f}"
                    for m in ("micro_f1", "macro_f1", "mean_f1", "hamming_loss")
                ]
                lines.append(f"| {src_label} | {opt} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS),
                        choices=list(DATASETS))  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold-cv", type=int, default=5)
    parser.add_argument("--threshold-cv-repeats", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    import sklearn_multilabel_nn._keras  # noqa: F401  (picks the backend)

    t0 = time.perf_counter()
    results = {"args": vars(args), "datasets": {}}
    for ds in args.datasets:
        results["datasets"][ds] = run(
            args.data_dir, ds, args.repeats, args.folds, args.threshold_cv,
            args.threshold_cv_repeats,
        )  # fmt: skip
    results["wall_time_s"] = round(time.perf_counter() - t0, 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "threshold_options"
    if args.threshold_cv != 5:
        stem += f"_cv{args.threshold_cv}"
    if args.threshold_cv_repeats != 1:
        stem += f"_r{args.threshold_cv_repeats}"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=1))
    md = markdown(results, args)
    md += f"\nWall time: {results['wall_time_s']:.0f} s.\n"
    (out / f"{stem}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
