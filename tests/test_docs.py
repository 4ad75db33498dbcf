"""The documentation: user-guide code runs as written, and the site builds.

Every example of the user guide runs: the ``>>>`` examples as doctests, and the
``.. code-block:: python`` examples of each page in turn, in one namespace,
with the names the page takes as given (``X``, ``Y``, a fitted ``clf`` ...)
provided by ``PAGE_CONTEXT`` below. Pages whose examples train networks are
marked slow.

The Sphinx build runs every gallery example (about a minute on a laptop CPU),
so it is marked slow, and it is skipped where the docs tools are not installed
(``pip install -e ".[docs]"``). A CI docs job can run the same command
directly: ``python -m sphinx -W --keep-going -b html doc doc/_build/html``.
"""

import doctest
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"
PAGES = sorted((DOC / "user_guide").glob("*.rst"))

pytestmark = pytest.mark.skipif(not DOC.is_dir(), reason="no doc/ folder")

_CODE_BLOCK = re.compile(r"^(?P<indent> *)\.\. code-block:: python\s*$")


def code_blocks(text):
    """The source of every ``.. code-block:: python`` directive in ``text``."""
    lines = text.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        match = _CODE_BLOCK.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        body = []
        for following in lines[i + 1 :]:
            stripped = following.strip()
            if stripped and len(following) - len(following.lstrip()) <= indent:
                break  # back at (or above) the directive's level
            if not body and (not stripped or stripped.startswith(":")):
                continue  # blank lines and options before the code
            body.append(following)
        blocks.append(textwrap.dedent("\n".join(body)).strip() + "\n")
    return blocks


def _doctests_train(path, text):
    """Whether a page's ``>>>`` examples train a network (then slow)."""
    return ">>> clf = MultiLabelNNClassifier(" in text


def _code_blocks_train(path, text):
    """Whether a page's code blocks (or their context) train a network."""
    return path.name in CONTEXT_TRAINS or any(
        re.search(r"\.fit\(|cross_validate\(", block) for block in code_blocks(text)
    )


def _page_params(select, trains):
    for path in PAGES:
        text = path.read_text()
        if select(text):
            marks = [pytest.mark.slow] if trains(path, text) else []
            yield pytest.param(path, marks=marks, id=path.name)


def _has_doctest(text):
    return ">>>" in text


@pytest.mark.parametrize("path", list(_page_params(_has_doctest, _doctests_train)))
def test_user_guide_doctests(path):
    """Every ``>>>`` example of the user guide gives the output it shows."""
    result = doctest.testfile(
        str(path),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        verbose=False,
    )
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {path.name}"


# ------------------------------------------------ the pages' code-block examples
# What each page's code blocks take as given, kept tiny so that the examples
# run in seconds: the code itself runs exactly as the page shows it.


def _multilabel(n_samples=60, n_features=6, n_classes=3, seed=0):
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_classes=n_classes,
        n_labels=2,
        random_state=seed,
    )
    return X.astype("float32"), Y


def _small_clf(**params):
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    return MultiLabelNNClassifier(
        **{"hidden_layer_sizes": (8,), "epochs": 5, "random_state": 0, **params}
    )


def _context_custom_models(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((12, 32, 32, 3), dtype="float32")
    return {"images": images, "Y": rng.integers(0, 2, size=(12, 3))}


def _context_data_and_cli(tmp_path):
    from sklearn.datasets import dump_svmlight_file

    X, Y = _multilabel(n_samples=20, n_features=4, n_classes=2)
    features = [f"f{j}" for j in range(X.shape[1])]
    # emotions.arff with its MULAN label file emotions.xml
    arff = ["@relation emotions"]
    arff += [f"@attribute {name} numeric" for name in features]
    arff += ["@attribute amazed {0,1}", "@attribute happy {0,1}", "@data"]
    arff += [",".join([*map(str, x), *map(str, y)]) for x, y in zip(X, Y, strict=True)]
    (tmp_path / "emotions.arff").write_text("\n".join(arff) + "\n")
    (tmp_path / "emotions.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<labels xmlns="http://mulan.sourceforge.net/labels">\n'
        '<label name="amazed"></label>\n<label name="happy"></label>\n'
        "</labels>\n"
    )
    # yeast.csv: features, then 14 label columns
    X14, Y14 = _multilabel(n_samples=20, n_features=4, n_classes=14)
    header = features + [f"Class{k}" for k in range(1, 15)]
    rows = [
        ",".join([*map(str, x), *map(str, y)]) for x, y in zip(X14, Y14, strict=True)
    ]
    (tmp_path / "yeast.csv").write_text("\n".join([",".join(header), *rows]) + "\n")
    dump_svmlight_file(X, Y, str(tmp_path / "rcv1_train.svm"), multilabel=True)
    # net.mlnn, as `fit --model net.mlnn` writes it
    from sklearn_multilabel_nn import save

    save(
        _small_clf().fit(X, Y), tmp_path / "net.mlnn",
        metadata={"feature_names": features, "label_names": ["amazed", "happy"]},
    )  # fmt: skip
    return {}


def _context_model_selection(tmp_path):
    X, Y = _multilabel(n_samples=40, n_features=4)
    return {"X": X, "Y": Y}


def _context_performance(tmp_path):
    import scipy.sparse as sp

    X, Y = _multilabel()
    return {"clf": _small_clf(), "X_tfidf": sp.csr_matrix(X), "Y": Y}


def _context_persistence(tmp_path):
    X, Y = _multilabel()
    return {"clf": _small_clf().fit(X, Y), "X_new": X[:5]}


def _context_thresholds(tmp_path):
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    X, Y = _multilabel(n_samples=50)
    return {
        "MultiLabelNNClassifier": MultiLabelNNClassifier,
        "X_train": X[:40],
        "Y_train": Y[:40],
        "X_test": X[40:],
    }


# Contexts that fit a network themselves (a fitted ``clf``).
CONTEXT_TRAINS = {"persistence.rst", "data_and_cli.rst"}

PAGE_CONTEXT = {
    "custom_models.rst": _context_custom_models,
    "data_and_cli.rst": _context_data_and_cli,
    "model_selection.rst": _context_model_selection,
    "performance.rst": _context_performance,
    "persistence.rst": _context_persistence,
    "thresholds.rst": _context_thresholds,
}


def _has_code_block(text):
    return bool(code_blocks(text))


@pytest.mark.parametrize(
    "path", list(_page_params(_has_code_block, _code_blocks_train))
)
def test_user_guide_code_blocks(path, tmp_path, monkeypatch):
    """The ``.. code-block:: python`` examples of a page run, in page order."""
    # The examples may set KERAS_BACKEND and write files: keep both local.
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "jax"))
    monkeypatch.chdir(tmp_path)
    context = PAGE_CONTEXT.get(path.name, lambda tmp_path: {})(tmp_path)
    namespace = {"__name__": f"user_guide_{path.stem}", **context}
    for i, block in enumerate(code_blocks(path.read_text())):
        code = compile(block, f"{path.name}[code-block {i}]", "exec")
        exec(code, namespace)


def test_every_user_guide_page_is_run():
    """No page of the user guide is left without an example that runs."""
    for path in PAGES:
        text = path.read_text()
        assert _has_doctest(text) or _has_code_block(text), path.name
    assert set(PAGE_CONTEXT) <= {path.name for path in PAGES}


def test_code_blocks_are_found():
    text = textwrap.dedent(
        """
        Intro.

        .. code-block:: python

           a = 1

           b = a + 1

        Prose.

           .. code-block:: python
              :caption: nested

              c = 3
        .. code-block:: bash

           echo no
        """
    )
    assert code_blocks(text) == ["a = 1\n\nb = a + 1\n", "c = 3\n"]


@pytest.mark.slow
def test_docs_build(tmp_path):
    """The site builds with warnings as errors, gallery examples included."""
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("pydata_sphinx_theme")
    pytest.importorskip("matplotlib")
    # Build from a copy, so the generated gallery and API stubs stay out of the
    # checkout; the package is found through PYTHONPATH.
    source = tmp_path / "doc"
    shutil.copytree(
        DOC,
        source,
        ignore=shutil.ignore_patterns(
            "_build", "auto_examples", "generated", "gen_modules"
        ),
    )
    env = dict(os.environ, MPLBACKEND="agg")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    proc = subprocess.run(
        [*cmd, str(source), str(tmp_path / "html")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    html = tmp_path / "html"
    assert (html / "index.html").is_file()
    assert (
        html / "generated" / "sklearn_multilabel_nn.MultiLabelNNClassifier.html"
    ).is_file()
    # every gallery example ran and drew its figure
    for example in (DOC / "examples").glob("plot_*.py"):
        assert list((html / "_images").glob(f"sphx_glr_{example.stem}_*.png")), (
            example.name
        )
