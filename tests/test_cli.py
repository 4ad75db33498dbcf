"""Tests for the command line, run in-process through ``main(argv)``."""

import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification

from sklearn_multilabel_nn import MultiLabelNNClassifier, load
from sklearn_multilabel_nn._cli import _scores, main

TINY = ["--hidden-layer-sizes", "8", "--epochs", "2", "--batch-size", "16"]


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory):
    X, Y = make_multilabel_classification(
        n_samples=60, n_features=4, n_classes=3, random_state=0
    )
    path = tmp_path_factory.mktemp("cli") / "tiny.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["x0", "x1", "x2", "x3", "red", "green", "blue"])
        writer.writerows(np.hstack([X, Y]).tolist())
    return path


def error_line(capsys):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


def test_help_subprocess():
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_multilabel_nn", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for command in ("evaluate", "fit", "predict"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["evaluate", "fit", "predict"])
def test_subcommand_help(command, capsys):
    assert main([command, "--help"]) == 0
    assert "--data" in capsys.readouterr().out


@pytest.mark.slow  # cross-validates networks
def test_evaluate_text(tiny_csv, capsys):
    argv = ["evaluate", "--data", str(tiny_csv), "--labels", "red,green,blue"]
    argv += ["--n-splits", "2", "--n-repeats", "2", "--seed", "3", *TINY]
    assert main(argv) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"data: {tiny_csv}: 60 samples, 4 features, 3 labels")
    header = lines.index(next(line for line in lines if line.split()[0] == "split"))
    split_lines = lines[header + 1 : header + 5]
    assert [line.split()[:3] for line in split_lines] == [
        ["1", "1", "1"],
        ["2", "1", "2"],
        ["3", "2", "1"],
        ["4", "2", "2"],
    ]
    assert len(split_lines[0].split()) == 10  # 3 ids, 6 metrics, fit time
    assert "\r" not in out
    assert "Warning" not in capsys.readouterr().err
    for name in (
        "subset accuracy",
        "Hamming loss",
        "F1 micro",
        "F1 macro",
        "F1 samples",
        "label ranking avg precision",
    ):
        row = next(line for line in lines if line.startswith(name))
        mean, std = (float(v) for v in row[len(name) :].split())
        assert 0 <= mean <= 1 and std >= 0
    assert "4 splits in" in lines[-1]


@pytest.mark.slow  # cross-validates networks
def test_evaluate_json(tiny_csv, capsys):
    argv = ["evaluate", "--data", str(tiny_csv), "--labels", "3", "--json"]
    argv += ["--n-splits", "2", "--n-repeats", "1", "--scale", "--threshold", "0.4"]
    assert main(argv + TINY) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"data", "estimator", "cv", "splits", "summary"}
    assert report["data"]["label_names"] == ["red", "green", "blue"]
    assert report["estimator"]["params"]["hidden_layer_sizes"] == [8]
    assert report["estimator"]["params"]["threshold"] == 0.4
    assert len(report["splits"]) == 2
    keys = {
        "subset_accuracy",
        "hamming_loss",
        "f1_micro",
        "f1_macro",
        "f1_samples",
        "label_ranking_average_precision",
    }
    assert set(report["summary"]) == keys
    for split in report["splits"]:
        assert keys <= set(split) and split["fit_time"] > 0
    for figures in report["summary"].values():
        assert set(figures) == {"mean", "std"}


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("as_json", [False, True])
def test_evaluate_progress_quiet_off_terminal(tiny_csv, capsys, as_json):
    # pytest's captured stderr is not a terminal, as in a pipe or a CI log.
    argv = ["evaluate", "--data", str(tiny_csv), "--labels", "3"]
    argv += ["--n-splits", "2", "--n-repeats", "1", *TINY]
    assert main(argv + (["--json"] if as_json else [])) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "\r" not in captured.out and "split/s" not in captured.out
    if as_json:
        json.loads(captured.out)


def test_evaluate_progress_on_terminal(tiny_csv, capsys, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["evaluate", "--data", str(tiny_csv), "--labels", "3", "--json"]
    argv += ["--n-splits", "2", "--n-repeats", "1", *TINY]
    assert main(argv) == 0
    json.loads(capsys.readouterr().out)  # the bar stays off stdout
    bar = terminal.getvalue()
    assert "0/2" in bar and "split/s" in bar  # tqdm draws at least the start


def test_help_does_not_import_tqdm():
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    code = (
        "import sys; from sklearn_multilabel_nn._cli import build_parser; "
        "build_parser().format_help(); print('tqdm' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.slow  # cross-validates networks
def test_sparse_arff_and_libsvm(tmp_path, capsys):
    X, Y = make_multilabel_classification(
        n_samples=40, n_features=6, n_classes=2, random_state=0
    )
    header = "@relation 'toy: -C -2'\n" + "".join(
        f"@attribute w{j} numeric\n" for j in range(6)
    )
    header += "@attribute a {0,1}\n@attribute b {0,1}\n@data\n"
    rows = []
    for values in np.hstack([X, Y]):
        rows.append(
            "{" + ", ".join(f"{j} {values[j]:g}" for j in np.flatnonzero(values)) + "}"
        )
    arff_path = tmp_path / "toy.arff"
    arff_path.write_text(header + "\n".join(rows) + "\n")
    argv = ["evaluate", "--data", str(arff_path), "--json", "--scale"]
    assert main(argv + ["--n-splits", "2", "--n-repeats", "1", *TINY]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["data"]["sparse"] is True
    assert report["data"]["label_names"] == ["a", "b"]

    svm = tmp_path / "toy.svm"
    # Same numbers of features and labels as above: no new compilation.
    svm.write_text("0,1 1:1 3:2\n1 2:1 6:1\n0 1:3 4:1\n 5:1\n")
    model = tmp_path / "svm.mlnn"
    argv = ["fit", "--data", str(svm), "--model", str(model), "--scale", *TINY]
    assert main(argv) == 0
    new = tmp_path / "new.svm"
    new.write_text(" 1:1\n 2:2 5:1\n")
    capsys.readouterr()
    assert main(["predict", "--model", str(model), "--data", str(new)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "0,1" and len(out) == 3


def test_fit_predict_round_trip(tiny_csv, tmp_path, capsys):
    model = tmp_path / "model.mlnn"
    argv = ["fit", "--data", str(tiny_csv), "--labels", "red,green,blue"]
    assert main(argv + ["--model", str(model), *TINY]) == 0
    assert model.exists()
    assert isinstance(load(model), MultiLabelNNClassifier)
    capsys.readouterr()
    # New rows: feature columns in another order plus an extra column.
    new = tmp_path / "new.csv"
    new.write_text("id,x3,x2,x1,x0\na,0,1,2,3\nb,4,3,2,1\nc,1,1,1,1\n")
    preds, proba = tmp_path / "preds.csv", tmp_path / "proba.csv"
    argv = ["predict", "--model", str(model), "--data", str(new)]
    assert main(argv + ["-o", str(preds), "--proba", str(proba)]) == 0
    rows = list(csv.reader(preds.open()))
    assert rows[0] == ["red", "green", "blue"]
    assert len(rows) == 4 and all(v in {"0", "1"} for r in rows[1:] for v in r)
    rows = list(csv.reader(proba.open()))
    assert rows[0] == ["red", "green", "blue"]
    assert all(0 <= float(v) <= 1 for r in rows[1:] for v in r)
    assert "wrote predictions for 3 rows" in capsys.readouterr().out
    # Predictions to standard output.
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[0] == "red,green,blue"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate", "--epochs", "0"], "--epochs: must be at least 1"),
        (["evaluate", "--hidden-layer-sizes", "8,x"], "comma-separated positive"),
        (["evaluate", "--threshold", "1.5"], "in [0, 1] or 'auto'"),
        (["evaluate", "--n-splits", "1"], "--n-splits: must be at least 2"),
        (["evaluate", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["evaluate", "--labels", "a"], "--labels and --xml need --data"),
        (["evaluate", "--data", "missing.csv", "--labels", "a"], "no such file"),
        (["fit", "--data", "x.csv"], "required: --model"),
        (["predict", "--model", "nope.mlnn", "--data", "x.csv"], "no such file"),
    ],
)
def test_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in error_line(capsys)


def test_data_errors(tiny_csv, tmp_path, capsys):
    base = ["evaluate", "--data", str(tiny_csv), "--n-splits", "2", "--n-repeats"]
    base += ["1", *TINY]
    assert main(base) == 2
    assert "needs --labels" in error_line(capsys)
    assert main(base + ["--labels", "red,purple"]) == 2
    assert "'purple' not found" in error_line(capsys)

    text = tmp_path / "text.csv"
    text.write_text("x,y,a\n1,hello,0\n2,3,1\n")
    assert main(["evaluate", "--data", str(text), "--labels", "a"]) == 2
    assert "feature column 'y' is not numeric" in error_line(capsys)

    odd = tmp_path / "odd.data"
    odd.write_text("1 1:1\n")
    assert main(["evaluate", "--data", str(odd)]) == 2
    assert "cannot tell the format" in error_line(capsys)

    not_model = tmp_path / "not_model.mlnn"
    not_model.write_text("hello")
    argv = ["predict", "--model", str(not_model), "--data", str(tiny_csv)]
    assert main(argv) == 2
    assert "not a sklearn-multilabel-nn model file" in error_line(capsys)


def test_predict_missing_feature(tiny_csv, tmp_path, capsys):
    model = tmp_path / "model.mlnn"
    argv = ["fit", "--data", str(tiny_csv), "--labels", "3", "--model", str(model)]
    assert main(argv + TINY) == 0
    new = tmp_path / "new.csv"
    new.write_text("x0,x1,x2\n1,2,3\n")
    assert main(["predict", "--model", str(model), "--data", str(new)]) == 2
    assert "feature column(s) 'x3' not found" in error_line(capsys)


def test_f1_samples_is_scikit_learns():
    """An empty true and predicted label set scores 0, as in scikit-learn."""
    import warnings

    from sklearn.metrics import f1_score

    Y = np.array([[0, 0], [1, 0], [1, 1]])
    pred = np.array([[0, 0], [1, 0], [0, 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = _scores(Y, pred, pred.astype(float))
    expected = f1_score(Y, pred, average="samples", zero_division=0)
    assert scores["f1_samples"] == pytest.approx(expected)
    assert scores["f1_samples"] == pytest.approx((0 + 1 + 2 / 3) / 3)


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_predict_refuses_pickles(tiny_csv, tmp_path, capsys):
    import joblib

    marker = tmp_path / "ran"
    model = tmp_path / "evil.joblib"
    joblib.dump(_RunsCode(marker), model)
    argv = ["predict", "--model", str(model), "--data", str(tiny_csv)]
    assert main(argv) == 2
    assert "not a zip archive" in error_line(capsys)
    assert not marker.exists()


def test_file_rules(tiny_csv, tmp_path, capsys):
    data = ["--data", str(tiny_csv), "--labels", "3", *TINY]
    model = tmp_path / "model.mlnn"
    # Checked before training: a missing folder, an input as output.
    assert main(["fit", *data, "--model", str(tmp_path / "no" / "m.mlnn")]) == 2
    assert "folder" in error_line(capsys)
    assert main(["fit", *data, "--model", str(tiny_csv), "--force"]) == 2
    assert "refusing to write over an input" in error_line(capsys)
    assert main(["fit", *data, "--model", str(tmp_path)]) == 2
    assert "is a folder" in error_line(capsys)
    model.write_text("old")
    assert main(["fit", *data, "--model", str(model)]) == 2
    assert "exists; pass --force" in error_line(capsys)
    assert model.read_text() == "old"
    assert main(["fit", *data, "--model", str(model), "--force"]) == 0
    assert isinstance(load(model), MultiLabelNNClassifier)

    new = tmp_path / "new.csv"
    new.write_text("x0,x1,x2,x3\n1,2,3,4\n")
    base = ["predict", "--model", str(model), "--data", str(new)]
    for extra, message in [
        (["-o", str(model), "--force"], "is the --model file"),
        (["-o", str(new), "--force"], "is the --data file"),
        (
            ["-o", str(tmp_path / "p.csv"), "--proba", str(tmp_path / "p.csv")],
            "--output and --proba name the same file",
        ),
        (["--proba", "-"], "--output and --proba name the same file -"),
        (["--proba", str(tmp_path / "no" / "p.csv")], "does not exist"),
    ]:
        assert main(base + extra) == 2
        assert message in error_line(capsys)
    out = tmp_path / "out.csv"
    out.write_text("old")
    assert main(base + ["-o", str(out)]) == 2
    assert "exists; pass --force" in error_line(capsys)
    assert main(base + ["-o", str(out), "--force"]) == 0
    assert out.read_text().splitlines()[0] == "red,green,blue"


def test_divergence_is_one_error_line(tiny_csv, tmp_path, capsys, monkeypatch):
    import sklearn_multilabel_nn._cli as cli

    def diverge(args):
        raise FloatingPointError("Training diverged: the loss became nan.")

    monkeypatch.setattr(cli, "_fit", diverge)
    argv = ["fit", "--data", str(tiny_csv), "--labels", "3"]
    assert main([*argv, "--model", str(tmp_path / "m.mlnn"), *TINY]) == 2
    assert "Training diverged" in error_line(capsys)
