"""Choose JAX as the Keras backend unless the user chose one.

:func:`choose_backend` runs when ``sklearn_multilabel_nn`` is imported, so that a
``import keras`` anywhere after it finds the choice made. It only reads the
environment and ``keras.json``, and imports nothing but the standard library.

The user's choice wins: ``KERAS_BACKEND`` in the environment, a ``backend`` entry
in their ``keras.json``, or keras already imported with some backend. Only when
none of these says anything do we set ``KERAS_BACKEND=jax`` before Keras loads.

Keras writes ``keras.json`` itself on first import, with "tensorflow" when
nothing was set; a file naming a backend that is not installed is therefore
taken as no choice at all (Keras could not start with it anyway).
"""

import importlib.util
import json
import os
import sys


def _keras_config_path():
    # Mirrors keras.src.backend.config: KERAS_HOME, else ~/.keras (or /tmp/.keras).
    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = os.path.expanduser("~")
        if not os.access(base, os.W_OK):
            base = "/tmp"
        home = os.path.join(base, ".keras")
    return os.path.join(home, "keras.json")


def _user_chose_backend():
    if os.environ.get("KERAS_BACKEND") or "keras" in sys.modules:
        return True
    try:
        with open(_keras_config_path()) as f:
            backend = json.load(f).get("backend")
    except (OSError, ValueError, AttributeError):
        return False
    if not isinstance(backend, str) or not backend:
        return False
    try:
        return importlib.util.find_spec(backend) is not None
    except (ImportError, ValueError):  # such as "a.b" with no package "a"
        return False


def choose_backend():
    """Set ``KERAS_BACKEND=jax`` unless the user chose a backend; idempotent."""
    if not _user_chose_backend():
        os.environ["KERAS_BACKEND"] = "jax"
