"""The documentation: user-guide code runs as written, and the site builds.

The Sphinx build runs every gallery example (about a minute on a laptop CPU),
so it is marked slow, and it is skipped where the docs tools are not installed
(``pip install -e ".[docs]"``). A CI docs job can run the same command
directly: ``python -m sphinx -W --keep-going -b html doc doc/_build/html``.
"""

import doctest
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"


def _user_guide_pages():
    """Every user-guide page; those whose examples train a network are slow."""
    for path in sorted((DOC / "user_guide").glob("*.rst")):
        trains = ">>> clf = MultiLabelNNClassifier(" in path.read_text()
        marks = [pytest.mark.slow] if trains else []
        yield pytest.param(path, marks=marks, id=path.name)


pytestmark = pytest.mark.skipif(not DOC.is_dir(), reason="no doc/ folder")


@pytest.mark.parametrize("path", list(_user_guide_pages()))
def test_user_guide_doctests(path):
    """Every ``>>>`` example of the user guide gives the output it shows."""
    result = doctest.testfile(
        str(path),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        verbose=False,
    )
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {path.name}"


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
