"""Beyond one device: data-parallel training under Keras's distribution switch.

JAX fixes its device count when it is imported, so the checks run in a fresh
interpreter with ``XLA_FLAGS=--xla_force_host_platform_device_count=2`` (two
CPU devices); this process's JAX is left alone.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_fresh(code, env=None, timeout=300):
    """Run ``code`` in a fresh interpreter (with ``env`` added to the
    environment); return its last printed line as JSON."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([full_env["PYTHONPATH"]] if full_env.get("PYTHONPATH") else [])
    )
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# One fit on one device, then the same fits under DataParallel over two. The
# batch size (33) is odd, so every batch is padded to split evenly, and
# dropout checks that the padded batches draw the same masks.
_DATA_PARALLEL = """
import json
import warnings

import keras
import numpy as np
from sklearn.datasets import make_multilabel_classification

from sklearn_multilabel_nn import MultiLabelNNClassifier
from sklearn_multilabel_nn._keras import _engine, _programs

warnings.simplefilter("ignore")
X, Y = make_multilabel_classification(
    n_samples=203, n_features=10, n_classes=4, random_state=0
)
X = X.astype(np.float32)
params = dict(
    hidden_layer_sizes=(16,), epochs=4, batch_size=33, dropout=0.2,
    early_stopping=True, random_state=0,
)

# Keep the optimised program text of the first training call of each program.
compiled_text = {}
compile_program = _programs._compile


class Recorder:
    def __init__(self, function, name):
        self.function, self.name = function, name

    def __call__(self, *args, **kwargs):
        if self.name not in compiled_text:
            lowered = self.function.lower(*args, **kwargs)
            compiled_text[self.name] = lowered.compile().as_text()
        return self.function(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.function, name)


def recording(model, loss, optimizer, layout):
    functions = compile_program(model, loss, optimizer, layout)
    name = "epochs_with_early_stopping"
    if layout is not None:
        functions[name] = Recorder(functions[name], name)
    return functions


_programs._compile = recording
out = {"devices": len(keras.distribution.list_devices())}
for engine in ("jax", "keras"):
    one = MultiLabelNNClassifier(engine=engine, **params).fit(X, Y)
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    two = MultiLabelNNClassifier(engine=engine, **params).fit(X, Y)
    again = MultiLabelNNClassifier(engine=engine, **params).fit(X, Y)
    kernel = two.model_.weights[0].value
    out[engine] = {
        "diff": float(np.abs(one.predict_proba(X) - two.predict_proba(X)).max()),
        "repeat_diff": float(
            np.abs(again.predict_proba(X) - two.predict_proba(X)).max()
        ),
        "kernel_devices": len(kernel.sharding.device_set),
        "kernel_replicated": bool(kernel.sharding.is_fully_replicated),
        "one_device_kernel_devices": len(one.model_.weights[0].value.sharding.device_set),
    }
    keras.distribution.set_distribution(None)
text = compiled_text["epochs_with_early_stopping"]
out["all_reduce"] = "all-reduce" in text

# Keras's ModelParallel: engine="auto" leaves it to Keras's fit, "jax" refuses.
mesh = keras.distribution.DeviceMesh((1, 2), ["batch", "model"])
layout_map = keras.distribution.LayoutMap(mesh)
keras.distribution.set_distribution(
    keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
)
out["model_parallel_auto_fast"] = _engine._use_fast_path("auto")
try:
    MultiLabelNNClassifier(engine="jax", **params).fit(X, Y)
    out["model_parallel_jax"] = "fitted"
except ValueError as error:
    out["model_parallel_jax"] = str(error)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def data_parallel():
    env = {
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
        "CUDA_VISIBLE_DEVICES": "",
        "JAX_PLATFORMS": "cpu",
    }
    return run_fresh(_DATA_PARALLEL, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["jax", "keras"])
def test_data_parallel_matches_one_device(data_parallel, engine):
    """Under ``keras.distribution.DataParallel`` over two devices, both
    engines train the network the one-device fit trains (up to the order of
    float sums), reproducibly, with the weights on both devices."""
    assert data_parallel["devices"] == 2
    result = data_parallel[engine]
    assert result["diff"] < 1e-5
    assert result["repeat_diff"] == 0.0
    assert result["kernel_devices"] == 2
    assert result["kernel_replicated"]
    assert result["one_device_kernel_devices"] == 1


@pytest.mark.slow
def test_data_parallel_splits_the_batches(data_parallel):
    """The training program sums gradients across devices: each device
    computed its own share of the batch (replicated work needs no all-reduce)."""
    assert data_parallel["all_reduce"]


@pytest.mark.slow
def test_model_parallel_goes_to_keras(data_parallel):
    """The engine only splits batches: under ModelParallel, engine="auto"
    picks Keras's fit and engine="jax" refuses with a clear error."""
    assert data_parallel["model_parallel_auto_fast"] is False
    assert "ModelParallel" in data_parallel["model_parallel_jax"]
    assert "engine='keras'" in data_parallel["model_parallel_jax"]
