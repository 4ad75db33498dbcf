"""The command line: ``python -m sklearn_multilabel_nn {evaluate,fit,predict}``.

Only the standard library is imported at module level, so that ``--help`` is
fast; NumPy, scikit-learn, Keras and the estimator are imported inside the
commands. Errors in the input print one ``error: ...`` line to stderr and exit
with status 2.
"""

import argparse
import json
import os
import sys
import time

PROG = "sklearn-multilabel-nn"
MODEL_KIND = "sklearn-multilabel-nn model"

# (key in --json output, short column title, name in the summary table)
METRICS = (
    ("subset_accuracy", "subset_acc", "subset accuracy"),
    ("hamming_loss", "hamming", "Hamming loss"),
    ("f1_micro", "f1_micro", "F1 micro"),
    ("f1_macro", "f1_macro", "F1 macro"),
    ("f1_samples", "f1_samples", "F1 samples"),
    ("label_ranking_average_precision", "lrap", "label ranking avg precision"),
)

DEFAULT_DATA = (
    "make_multilabel_classification(n_samples=1000, n_features=10, n_classes=3, "
    "n_labels=2, random_state=1)"
)


_FORCE_HELP = "replace output files that exist (never an input file)"
_FILE_RULES = (
    "Output files are checked before any work starts: their folders must "
    "exist, no two outputs may name the same file, no output may name an "
    "input (data, XML or model) file, and an existing file is replaced only "
    "with --force."
)


class _UsageError(Exception):
    """Bad input: reported as one ``error:`` line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(f"{message} (see {self.prog} --help)")


# ------------------------------------------------------------ option types


def _int_at_least(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer, got {text!r}"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def _hidden_layer_sizes(text):
    """``"64,32"`` -> ``(64, 32)``; an empty string gives no hidden layer."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        sizes = ()
        parts = None
    if parts is None or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 64,32; got {text!r}"
        )
    return sizes


def _threshold(text):
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(
            f"expected a number in [0, 1] or 'auto', got {text!r}"
        )
    return value


def _labels(text):
    """An integer count, or comma-separated names."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(
            f"expected a label count or comma-separated names, got {text!r}"
        )
    return names


# ------------------------------------------------------------------ parser


def build_parser():
    """The argument parser (subcommands ``evaluate``, ``fit`` and ``predict``)."""
    parser = _Parser(
        prog=PROG,
        description=(
            "Multi-label classification with Keras sigmoid-output networks "
            "(sklearn_multilabel_nn.MultiLabelNNClassifier)."
        ),
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def data_options(sub, *, required):
        group = sub.add_argument_group("data")
        group.add_argument(
            "--data",
            metavar="PATH",
            required=required,
            help=(
                "data file: .csv/.tsv, .arff (MULAN or MEKA, dense or sparse) or "
                ".svm/.libsvm/.svmlight (multi-label LIBSVM)"
                + ("" if required else f"; default: {DEFAULT_DATA}")
            ),
        )
        group.add_argument(
            "--labels",
            type=_labels,
            metavar="SPEC",
            help=(
                "CSV: the label columns, comma-separated names or a count of last "
                "columns (required); ARFF: a count of last attributes or names "
                "(else taken from --xml, a MEKA '-C n' relation name or a "
                "same-stem .xml file)"
            ),
        )
        group.add_argument("--xml", metavar="PATH", help="MULAN XML label file")
        group.add_argument(
            "--format",
            choices=("csv", "arff", "libsvm"),
            help="file format (default: from the extension)",
        )

    def model_options(sub):
        group = sub.add_argument_group("network")
        group.add_argument(
            "--hidden-layer-sizes",
            type=_hidden_layer_sizes,
            default=(20,),
            metavar="N,N",
            help="units per hidden layer, e.g. 64,32 (default: 20)",
        )
        group.add_argument(
            "--epochs", type=_int_at_least(1), default=100, help="(default: 100)"
        )
        group.add_argument(
            "--batch-size",
            type=_int_at_least(1),
            help="(default: the estimator's, 32)",
        )
        group.add_argument(
            "--threshold",
            type=_threshold,
            help="decision threshold in [0, 1], or 'auto' (default: 0.5)",
        )
        group.add_argument(
            "--seed",
            type=int,
            default=1,
            help="random_state of the network and the folds (default: 1, as in "
            "the seed notebook)",
        )
        group.add_argument(
            "--scale",
            action="store_true",
            help="standardize features first (StandardScaler; without centering "
            "for sparse data)",
        )

    evaluate = commands.add_parser(
        "evaluate",
        help="repeated k-fold cross-validation",
        description=(
            "Repeated k-fold cross-validation: one line per split, then the mean "
            "and standard deviation of subset accuracy, Hamming loss, F1 "
            "(micro, macro, samples) and label ranking average precision, as "
            "scikit-learn's metrics compute them (f1_score with "
            "zero_division=0: a sample with an empty true and an empty predicted "
            "label set scores 0 in F1 samples, not 1 as in MULAN). "
            f"Without --data, runs on {DEFAULT_DATA}. A progress bar counts the "
            "splits on stderr when it is a terminal."
        ),
    )
    data_options(evaluate, required=False)
    model_options(evaluate)
    group = evaluate.add_argument_group("cross-validation")
    group.add_argument(
        "--n-splits", type=_int_at_least(2), default=10, help="(default: 10)"
    )
    group.add_argument(
        "--n-repeats", type=_int_at_least(1), default=3, help="(default: 3)"
    )
    group.add_argument(
        "--json",
        action="store_true",
        help="print per-split and summary figures as one JSON object instead",
    )
    evaluate.set_defaults(func=_evaluate)

    fit = commands.add_parser(
        "fit",
        help="train on a data file and save the model",
        description=(
            "Train on a data file and save the model with sklearn_multilabel_nn."
            "save: a zip of JSON, NumPy arrays and .keras networks that loads "
            "without running code from the file. In Python, "
            "sklearn_multilabel_nn.load(PATH) returns the fitted estimator (a "
            "Pipeline with --scale)."
        ),
        epilog=_FILE_RULES,
    )
    data_options(fit, required=True)
    model_options(fit)
    fit.add_argument(
        "--model", metavar="PATH", required=True, help="model file to write"
    )
    fit.add_argument("--force", action="store_true", help=_FORCE_HELP)
    fit.set_defaults(func=_fit)

    predict = commands.add_parser(
        "predict",
        help="predict labels for new rows with a saved model",
        description=(
            "Predict 0/1 labels (and optionally probabilities) for the rows of a "
            "data file, written as CSV with one column per label. The file needs "
            "the features the model was trained on; label columns are ignored. "
            "The model is read with sklearn_multilabel_nn.load, which runs no "
            "code from the file; pickle and joblib files are refused."
        ),
        epilog=_FILE_RULES,
    )
    predict.add_argument(
        "--model", metavar="PATH", required=True, help="model file written by fit"
    )
    predict.add_argument(
        "--data", metavar="PATH", required=True, help="rows to predict"
    )
    predict.add_argument(
        "--format",
        choices=("csv", "arff", "libsvm"),
        help="file format (default: from the extension)",
    )
    predict.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        default="-",
        help="CSV file for the predictions (default: standard output)",
    )
    predict.add_argument(
        "--proba", metavar="PATH", help="also write probabilities to this CSV file"
    )
    predict.add_argument("--force", action="store_true", help=_FORCE_HELP)
    predict.set_defaults(func=_predict)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    status : int
        0 on success, 2 on bad input (after one ``error:`` line on stderr).
    """
    if argv is None:  # run as a program, not called from Python
        _keep_compiled_programs()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.version:
            from . import __version__

            print(f"{PROG} {__version__}")
            return 0
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        return args.func(args) or 0
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # output piped into `head` and the like
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (
        _UsageError,
        ValueError,
        FloatingPointError,  # training diverged
        OSError,
        ImportError,
        NotImplementedError,
    ) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2


#: Set this environment variable to anything to turn the on-disk cache off.
NO_COMPILE_CACHE = "SKLEARN_MULTILABEL_NN_NO_COMPILE_CACHE"


def _keep_compiled_programs():
    """Let JAX keep compiled training programs on disk between runs.

    Compiling the training program takes seconds, more than the 30 fits of the
    default evaluation; with this cache a second run skips it. A library must
    leave JAX's global configuration to its user, but the command line is a
    program of its own: it turns on the library's one switch,
    :func:`~sklearn_multilabel_nn.enable_compile_cache`, with its defaults
    (the user's own ``JAX_COMPILATION_CACHE_DIR`` wins; bounded to 512 MiB).
    ``SKLEARN_MULTILABEL_NN_NO_COMPILE_CACHE=1`` turns it off, and so does a
    missing ``filelock`` (the bound needs it; an unbounded cache is not
    turned on behind the user's back).
    """
    if os.environ.get(NO_COMPILE_CACHE):
        return
    from ._compile_cache import enable_compile_cache

    try:
        enable_compile_cache()
    except ImportError:
        pass


def _one_line(exc):
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        message = f"{exc.filename}: {exc.strerror}"
    else:
        message = str(exc) or type(exc).__name__
    return " ".join(message.split())


# ---------------------------------------------------------------- helpers


def _load_data(args):
    """Features, labels and names for ``--data`` (or the default data set)."""
    if args.data is None:
        if args.labels is not None or args.xml is not None:
            raise _UsageError("--labels and --xml need --data")
        from .datasets import _load_default

        X, Y = _load_default()
        names = [f"label{i}" for i in range(Y.shape[1])]
        return X, Y, names, [f"x{i}" for i in range(X.shape[1])], DEFAULT_DATA

    from . import datasets

    fmt = args.format or datasets.guess_format(args.data)
    if fmt == "csv" and args.labels is None:
        raise _UsageError(
            f"{args.data}: a CSV file needs --labels (comma-separated label "
            f"column names, or the number of last columns that are labels)"
        )
    if fmt == "libsvm" and isinstance(args.labels, int):
        raise _UsageError("for LIBSVM files, --labels lists the label values")
    data = datasets.load(args.data, args.labels, xml=args.xml, format=fmt)
    return (
        data.data,
        data.target,
        data.target_names.tolist(),
        data.feature_names.tolist(),
        args.data,
    )


def _make_estimator(args, sparse):
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    params = {
        "hidden_layer_sizes": args.hidden_layer_sizes,
        "epochs": args.epochs,
        "random_state": args.seed,
    }
    if args.batch_size is not None:
        params["batch_size"] = args.batch_size
    if args.threshold is not None:
        params["threshold"] = args.threshold
    estimator = MultiLabelNNClassifier(**params)
    if args.scale:
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        estimator = make_pipeline(StandardScaler(with_mean=not sparse), estimator)
    return estimator, params


def _scores(Y, pred, proba):
    from sklearn import metrics

    return {
        "subset_accuracy": metrics.accuracy_score(Y, pred),
        "hamming_loss": metrics.hamming_loss(Y, pred),
        "f1_micro": metrics.f1_score(Y, pred, average="micro", zero_division=0),
        "f1_macro": metrics.f1_score(Y, pred, average="macro", zero_division=0),
        "f1_samples": metrics.f1_score(Y, pred, average="samples", zero_division=0),
        "label_ranking_average_precision": (
            metrics.label_ranking_average_precision_score(Y, proba)
        ),
    }


def _progress_bar(total):
    """A tqdm bar on stderr, one step per split; off when stderr is no terminal.

    tqdm is imported here, not at module level, so that ``--help`` stays fast.
    Lines printed meanwhile go through :func:`_say`, which keeps them clear of
    the bar.
    """
    from tqdm import tqdm

    return tqdm(total=total, unit="split", file=sys.stderr, disable=None, leave=False)


def _say(text):
    """Print a line on stdout above any progress bar."""
    from tqdm import tqdm

    tqdm.write(text, file=sys.stdout)
    sys.stdout.flush()


# ---------------------------------------------------------------- commands


def _evaluate(args):
    import numpy as np
    import scipy.sparse as sp
    from sklearn.base import clone
    from sklearn.model_selection import RepeatedKFold

    X, Y, label_names, _, source = _load_data(args)
    if args.n_splits > X.shape[0]:
        raise _UsageError(
            f"--n-splits {args.n_splits} is more than the {X.shape[0]} samples"
        )
    estimator, params = _make_estimator(args, sp.issparse(X))
    cv = RepeatedKFold(
        n_splits=args.n_splits, n_repeats=args.n_repeats, random_state=args.seed
    )
    out = sys.stdout
    show = not args.json
    description = (
        f"{source}: {X.shape[0]} samples, {X.shape[1]} features"
        f"{' (sparse)' if sp.issparse(X) else ''}, {Y.shape[1]} labels"
    )
    if show:
        _say(f"data: {description}")
        _say(
            f"model: MultiLabelNNClassifier({_format_params(params)})"
            + (" after StandardScaler" if args.scale else "")
        )
        _say(
            f"cv: RepeatedKFold(n_splits={args.n_splits}, "
            f"n_repeats={args.n_repeats}, random_state={args.seed})"
        )
        header = " ".join(f"{short:>10}" for _, short, _ in METRICS)
        _say(f"{'split':>5} {'repeat':>6} {'fold':>4} {header} {'fit_s':>6}")

    splits = []
    start = time.perf_counter()
    with _progress_bar(args.n_splits * args.n_repeats) as progress:
        for i, (train, test) in enumerate(cv.split(X)):
            model = clone(estimator)
            t0 = time.perf_counter()
            model.fit(X[train], Y[train])
            t1 = time.perf_counter()
            proba = model.predict_proba(X[test])
            pred = model.predict(X[test])
            t2 = time.perf_counter()
            record = {
                "split": i + 1,
                "repeat": i // args.n_splits + 1,
                "fold": i % args.n_splits + 1,
                **{k: float(v) for k, v in _scores(Y[test], pred, proba).items()},
                "fit_time": t1 - t0,
                "score_time": t2 - t1,
            }
            splits.append(record)
            if show:
                cells = " ".join(f"{record[key]:>10.4f}" for key, _, _ in METRICS)
                _say(
                    f"{record['split']:>5} {record['repeat']:>6} {record['fold']:>4} "
                    f"{cells} {record['fit_time']:>6.2f}"
                )
            progress.update()
    total_time = time.perf_counter() - start

    summary = {}
    for key, _, _ in METRICS:
        values = np.array([s[key] for s in splits])
        summary[key] = {"mean": float(values.mean()), "std": float(values.std())}
    fit_total = sum(s["fit_time"] for s in splits)

    if args.json:
        report = {
            "data": {
                "source": source,
                "n_samples": int(X.shape[0]),
                "n_features": int(X.shape[1]),
                "n_labels": int(Y.shape[1]),
                "label_names": label_names,
                "sparse": bool(sp.issparse(X)),
            },
            "estimator": {
                "name": "MultiLabelNNClassifier",
                "params": {k: _jsonable(v) for k, v in params.items()},
                "scale": args.scale,
            },
            "cv": {
                "name": "RepeatedKFold",
                "n_splits": args.n_splits,
                "n_repeats": args.n_repeats,
                "random_state": args.seed,
            },
            "splits": splits,
            "summary": summary,
            "total_time": total_time,
        }
        json.dump(report, out, indent=2)
        out.write("\n")
        return 0

    width = max(len(name) for _, _, name in METRICS)
    lines = ["", f"{'metric':<{width}}  {'mean':>7}  {'std':>7}"]
    for key, _, name in METRICS:
        figures = summary[key]
        lines.append(
            f"{name:<{width}}  {figures['mean']:>7.4f}  {figures['std']:>7.4f}"
        )
    lines.append(
        f"{len(splits)} splits in {total_time:.1f} s "
        f"(fitting {fit_total:.1f} s, {fit_total / len(splits):.2f} s per fit)"
    )
    print("\n".join(lines), file=out, flush=True)
    return 0


def _fit(args):
    import scipy.sparse as sp

    from ._persistence import save

    _check_outputs([("--model", args.model)], _fit_inputs(args), args.force)
    X, Y, label_names, feature_names, source = _load_data(args)
    fmt = args.format or _guess(args.data)
    estimator, params = _make_estimator(args, sp.issparse(X))
    start = time.perf_counter()
    estimator.fit(X, Y)
    elapsed = time.perf_counter() - start
    metadata = {
        "kind": MODEL_KIND,
        "label_names": label_names,
        "feature_names": feature_names,
        "n_features": int(X.shape[1]),
        "format": fmt,
        "sparse": bool(sp.issparse(X)),
        "trained_on": os.fspath(source),
    }
    save(estimator, args.model, overwrite=args.force, metadata=metadata)
    print(
        f"fitted MultiLabelNNClassifier({_format_params(params)}) on {X.shape[0]} "
        f"samples, {X.shape[1]} features, {Y.shape[1]} labels in {elapsed:.1f} s; "
        f"saved to {args.model}"
    )
    return 0


def _fit_inputs(args):
    inputs = [("--data", args.data), ("--xml", args.xml)]
    stem_xml = os.path.splitext(args.data)[0] + ".xml"  # read for ARFF files
    if os.path.exists(stem_xml):
        inputs.append(("the label file", stem_xml))
    return inputs


def _predict(args):
    import numpy as np

    outputs = [("--output", args.output), ("--proba", args.proba)]
    inputs = [("--model", args.model), ("--data", args.data)]
    _check_outputs(outputs, inputs, args.force)
    estimator, metadata = _load_model(args.model)
    from . import datasets

    fmt = args.format or datasets.guess_format(args.data)
    feature_names = metadata["feature_names"]
    n_features = metadata["n_features"]
    if fmt == "csv":
        X = datasets.load_csv(args.data, [], feature_columns=feature_names).data
    elif fmt == "arff":
        data = datasets.load_arff(args.data, [])
        position = {name: i for i, name in enumerate(data.feature_names.tolist())}
        missing = [name for name in feature_names if name not in position]
        if missing:
            raise ValueError(
                f"{args.data}: attribute(s) {missing[:5]} of the model are missing"
            )
        X = data.data[:, [position[name] for name in feature_names]]
    else:
        X = datasets.load_libsvm(args.data, classes=[], n_features=n_features).data
    pred = np.asarray(estimator.predict(X))
    _write_csv(args.output, metadata["label_names"], pred, "%d")
    if args.proba:
        proba = np.asarray(estimator.predict_proba(X))
        _write_csv(args.proba, metadata["label_names"], proba, "%.6g")
    if args.output != "-":
        print(f"wrote predictions for {X.shape[0]} rows to {args.output}")
    return 0


def _load_model(path):
    """The estimator and the facts ``fit`` stored beside it; runs no code."""
    from ._persistence import load

    estimator, metadata = load(path, return_metadata=True)
    if metadata.get("kind") != MODEL_KIND:
        raise ValueError(
            f"{path}: not a model file written by '{PROG} fit' (it lacks the "
            f"feature and label names that fit stores)"
        )
    return estimator, metadata


def _same_file(a, b):
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)


def _check_outputs(outputs, inputs, force):
    """Refuse output paths that would clobber something, before any work.

    ``outputs`` and ``inputs`` are ``(option, path)`` pairs; ``None`` is an
    option not given and ``"-"`` is standard output.
    """
    outputs = [(option, path) for option, path in outputs if path is not None]
    inputs = [(option, path) for option, path in inputs if path is not None]
    for i, (option, path) in enumerate(outputs):
        for other, earlier in outputs[:i]:
            if path == earlier or (
                "-" not in (path, earlier) and _same_file(path, earlier)
            ):
                raise _UsageError(f"{other} and {option} name the same file {path}")
        if path != "-":
            _check_output(option, path, inputs, force)


def _check_output(option, path, inputs, force):
    for other, source in inputs:
        if _same_file(path, source):
            raise _UsageError(
                f"{option} {path} is the {other} file; refusing to write over an input"
            )
    folder = os.path.dirname(path) or os.curdir
    if not os.path.isdir(folder):
        raise _UsageError(f"{option} {path}: folder {folder} does not exist")
    if os.path.isdir(path):
        raise _UsageError(f"{option} {path} is a folder")
    if os.path.exists(path) and not force:
        raise _UsageError(f"{option} {path} exists; pass --force to replace it")


def _write_csv(path, header, rows, fmt):
    import csv

    stream = sys.stdout if path == "-" else open(path, "w", newline="")
    try:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([fmt % value for value in row])
    finally:
        if stream is not sys.stdout:
            stream.close()


def _guess(path):
    from .datasets import guess_format

    return guess_format(path)


def _format_params(params):
    return ", ".join(f"{key}={value!r}" for key, value in params.items())


def _jsonable(value):
    if isinstance(value, tuple):
        return list(value)
    return value
