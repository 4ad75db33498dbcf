"""The Keras backend is chosen when the package is imported (``_backend``).

Each case runs in a fresh interpreter with ``KERAS_HOME`` in ``tmp_path``, so
the user's own ``~/.keras/keras.json`` is neither read nor written.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest


def _run(code, tmp_path, **env):
    full_env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    full_env.update(env, KERAS_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_import_is_light(tmp_path):
    code = """
        import sys
        import sklearn_multilabel_nn
        print([m for m in ("keras", "jax", "numpy", "sklearn") if m in sys.modules])
    """
    assert _run(code, tmp_path) == "[]"


@pytest.mark.slow  # fresh processes
def test_keras_imported_after_the_package_runs_on_jax(tmp_path):
    # Keras alone would choose TensorFlow (and write it into keras.json).
    code = """
        import sklearn_multilabel_nn
        import keras
        print(keras.backend.backend())
    """
    assert _run(code, tmp_path) == "jax"


@pytest.mark.slow  # fresh processes
@pytest.mark.parametrize(
    "env, keras_json, expected",
    [
        ({"KERAS_BACKEND": "torch"}, None, "torch"),  # the user's variable wins
        ({}, {"backend": "numpy"}, None),  # an installed backend in keras.json
        ({}, {"backend": "no_such_backend"}, "jax"),  # Keras could not start it
        ({}, {"backend": "no_such.backend"}, "jax"),
        ({}, {"floatx": "float32"}, "jax"),
        ({}, None, "jax"),
    ],
)
def test_user_choice_is_respected(tmp_path, env, keras_json, expected):
    if keras_json is not None:
        (tmp_path / "keras.json").write_text(json.dumps(keras_json))
    code = """
        import os
        import sklearn_multilabel_nn
        from sklearn_multilabel_nn._backend import choose_backend
        choose_backend()  # idempotent
        print(os.environ.get("KERAS_BACKEND"))
    """
    assert _run(code, tmp_path, **env) == str(expected)
