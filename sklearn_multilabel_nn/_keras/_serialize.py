"""Keras models to bytes and back, through the public ``.keras`` format."""

import os
import tempfile

import keras

from . import _layers  # noqa: F401  (registers the package's layers for loading)


def model_to_bytes(model):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return keras.saving.load_model(path, compile=False)


def load_model_file(path):
    """Load a ``.keras`` file in safe mode: no Python code in it is run.

    Keras's safe mode refuses ``Lambda`` layers and other objects whose
    config carries code; ``compile=False`` leaves the loss and optimizer out.
    """
    return keras.saving.load_model(path, safe_mode=True, compile=False)
