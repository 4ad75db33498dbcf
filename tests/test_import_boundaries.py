"""Only ``_keras`` imports Keras (and JAX): the pure modules import without them.

The imports run in fresh interpreters, so what this test process has already
imported hides nothing. Modules are named by their dotted path, so a module
that becomes a package (``_thresholds.py`` -> ``_thresholds/``) is still
checked.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PURE_MODULES = [
    "sklearn_multilabel_nn",
    "sklearn_multilabel_nn._compile_cache",
    "sklearn_multilabel_nn._objectives",
    "sklearn_multilabel_nn._stratify",
    "sklearn_multilabel_nn._targets",
    "sklearn_multilabel_nn._thresholds",
    "sklearn_multilabel_nn._tuning",
    "sklearn_multilabel_nn.datasets",
]

FRAMEWORKS = ("keras", "jax", "jaxlib", "tensorflow", "torch")

# A meta-path finder that refuses the frameworks and records every attempt, so
# an import guarded by `try: ... except ImportError` is caught too. (Not
# `sys.modules["torch"] = None`: SciPy's array-API helpers then read
# `sys.modules["torch"].Tensor`.)
_BLOCKER = f"""
import importlib, json, sys

FRAMEWORKS = {FRAMEWORKS!r}
attempts = []


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FRAMEWORKS:
            attempts.append(name)
            raise ImportError(f"{{name}} is blocked in this test")
        return None


sys.meta_path.insert(0, Blocker())


def loaded_frameworks():
    return sorted(
        name for name, module in sys.modules.items()
        if module is not None and name.split(".")[0] in FRAMEWORKS
    )
"""


def _run(code):
    """Run ``code`` in a fresh interpreter; return its last printed line as JSON."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def blocked_imports():
    """For each pure module: the error of importing it (or None), and the
    framework imports it attempted, all in one interpreter with Keras blocked."""
    return _run(
        _BLOCKER
        + textwrap.dedent(
            f"""
            report = {{}}
            for module in {PURE_MODULES!r}:
                attempts.clear()
                try:
                    importlib.import_module(module)
                    error = None
                except Exception as exc:
                    error = f"{{type(exc).__name__}}: {{exc}}"
                report[module] = [error, list(attempts), loaded_frameworks()]
            print(json.dumps(report))
            """
        )
    )


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_with_keras_and_jax_blocked(module, blocked_imports):
    error, attempts, loaded = blocked_imports[module]
    assert error is None
    assert attempts == [], f"{module} tried to import {attempts}"
    assert loaded == []


def test_package_import_loads_neither_keras_nor_jax():
    # Nothing blocked: `import sklearn_multilabel_nn` must simply not reach them.
    loaded = _run(
        textwrap.dedent(
            f"""
            import json, sys
            import sklearn_multilabel_nn
            print(json.dumps(sorted(
                name for name in sys.modules if name.split(".")[0] in {FRAMEWORKS!r}
            )))
            """
        )
    )
    assert loaded == []


def test_the_blocker_blocks():
    # The counterpart: with Keras blocked, the engine fails to import, else the
    # checks above would prove nothing. Cheap: it stops at `import keras`.
    # (`_keras` itself loads Keras lazily, on first use of its functions.)
    report = _run(
        _BLOCKER
        + textwrap.dedent(
            """
            try:
                import sklearn_multilabel_nn._keras._engine
                error = None
            except ImportError as exc:
                error = str(exc)
            print(json.dumps([error, attempts]))
            """
        )
    )
    error, attempts = report
    assert error is not None and "blocked" in error
    assert attempts
