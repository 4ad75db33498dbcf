"""Sphinx configuration for the sklearn_multilabel_nn documentation.

Build (from the repository root), warnings treated as errors::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

Environment variables:

``SKLEARN_MULTILABEL_NN_INTERSPHINX=1``
    Link to the Python, NumPy and scikit-learn documentation (needs network
    access to fetch their inventories; Read the Docs turns it on by itself).
    Off by default so that an offline build passes with ``-W``.
``KERAS_BACKEND``
    Keras backend used to run the gallery examples; ``jax`` when unset.
"""

import os
import re
import sys
from datetime import date

# Document the source tree next to this folder, installed or not.
sys.path.insert(0, os.path.abspath(".."))
# The gallery runs on JAX unless the builder chose another backend.
os.environ.setdefault("KERAS_BACKEND", "jax")

import sklearn_multilabel_nn  # noqa: E402

# -- Project ------------------------------------------------------------------
project = "sklearn_multilabel_nn"
author = "sklearn_multilabel_nn developers"
copyright = f"{date.today().year}, {author}"
release = sklearn_multilabel_nn.__version__
version = release

# -- General ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
# examples/ is the gallery's source; sphinx-gallery writes auto_examples/ from it.
exclude_patterns = ["_build", "examples", "auto_examples/*.ipynb", "auto_examples/*.py"]
default_role = "literal"

# -- autodoc / autosummary / numpydoc -----------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- intersphinx --------------------------------------------------------------
# Fetching inventories needs the network; an unreachable inventory is a warning,
# and -W turns it into an error.  So links to other projects are opt-in.
_intersphinx = os.environ.get("SKLEARN_MULTILABEL_NN_INTERSPHINX", "0") != "0"
_intersphinx = _intersphinx or os.environ.get("READTHEDOCS") == "True"
intersphinx_mapping = (
    {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }
    if _intersphinx
    else {}
)
intersphinx_timeout = 10

_SKLEARN_ONLY_REF = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^`>]*>)?`", re.DOTALL)


def _plain_sklearn_refs(app, what, name, obj, options, lines):
    """Offline, turn scikit-learn's own :ref: and :term: links into plain text.

    Methods inherited from scikit-learn (``score``, ``set_params``,
    ``set_fit_request`` ...) keep their docstrings, which point at labels and
    glossary terms of scikit-learn's documentation. Without intersphinx those
    are unresolved references, which ``-W`` would turn into errors.
    """
    module = getattr(obj, "__module__", None) or ""
    if _intersphinx or not module.startswith("sklearn."):
        return
    text = _SKLEARN_ONLY_REF.sub(lambda m: m.group(1).strip(), "\n".join(lines))
    lines[:] = text.split("\n")


def setup(app):
    app.connect("autodoc-process-docstring", _plain_sklearn_refs)


# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": ("sklearn_multilabel_nn",),
    "backreferences_dir": os.path.join("gen_modules", "backreferences"),
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "within_subsection_order": "FileNameSortKey",
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_multilabel_nn {release}"
html_theme_options = {
    "github_url": "https://github.com/sklearn-multilabel-nn/sklearn-multilabel-nn",
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_sidebars = {"install": [], "changelog": []}
html_show_sourcelink = False
