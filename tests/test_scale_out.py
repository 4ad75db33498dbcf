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
    environment, a None value removing a variable); return its last printed
    line as JSON."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([full_env["PYTHONPATH"]] if full_env.get("PYTHONPATH") else [])
    )
    for variable, value in (env or {}).items():
        if value is None:
            full_env.pop(variable, None)
        else:
            full_env[variable] = value
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

import numpy as np
from sklearn.datasets import make_multilabel_classification

from sklearn_multilabel_nn import MultiLabelNNClassifier  # first: picks JAX for Keras
from sklearn_multilabel_nn._keras import _engine, _programs

import keras

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
        "one_device_kernel_devices": len(
            one.model_.weights[0].value.sharding.device_set
        ),
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


# ---------------------------------------------------------------- compile cache

_CACHE_SETTINGS = {
    "jax_compilation_cache_dir": "JAX_COMPILATION_CACHE_DIR",
    "jax_compilation_cache_max_size": "JAX_COMPILATION_CACHE_MAX_SIZE",
    "jax_persistent_cache_min_compile_time_secs": (
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"
    ),
}


_NO_CACHE = "SKLEARN_MULTILABEL_NN_NO_COMPILE_CACHE"


@pytest.fixture
def cache_settings(monkeypatch, tmp_path):
    """A clean slate for the cache switch: no cache variables in the
    environment (restored afterwards, as JAX's own settings are)."""
    for variable in [*_CACHE_SETTINGS.values(), _NO_CACHE]:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    jax = sys.modules.get("jax")
    before = {name: getattr(jax.config, name) for name in _CACHE_SETTINGS if jax}
    yield tmp_path
    for name, value in before.items():
        jax.config.update(name, value)


def _has_filelock():
    import importlib.util

    return importlib.util.find_spec("filelock") is not None


def test_enable_compile_cache_sets_jax_and_the_environment(cache_settings):
    """The switch reaches this process's JAX (when imported) and, through
    the environment, processes started later; max_size=None is unbounded."""
    import sklearn_multilabel_nn

    folder = cache_settings / "cache"
    assert sklearn_multilabel_nn.enable_compile_cache(
        folder, max_size=None, min_compile_time=0.5
    ) == str(folder)
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == str(folder)
    assert os.environ["JAX_COMPILATION_CACHE_MAX_SIZE"] == "-1"
    assert float(os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]) == 0.5
    if "jax" in sys.modules:
        import jax

        assert jax.config.jax_compilation_cache_dir == str(folder)
        assert jax.config.jax_compilation_cache_max_size == -1
        assert jax.config.jax_persistent_cache_min_compile_time_secs == 0.5
    with pytest.raises(ValueError, match="max_size"):
        sklearn_multilabel_nn.enable_compile_cache(folder, max_size=-5)


def test_enable_compile_cache_bound_needs_filelock(cache_settings, monkeypatch):
    """A bound without ``filelock`` would make JAX warn at every compilation
    and cache nothing: a clear ImportError instead, and the command line
    leaves the cache off."""
    import importlib.util

    from sklearn_multilabel_nn import _cli, enable_compile_cache

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "filelock" else real_find_spec(name, *a),
    )
    with pytest.raises(ImportError, match="filelock"):
        enable_compile_cache(cache_settings / "cache")
    _cli._keep_compiled_programs()
    assert "JAX_COMPILATION_CACHE_DIR" not in os.environ


@pytest.mark.skipif(not _has_filelock(), reason="the bounded cache needs filelock")
def test_cli_compile_cache_location_bound_and_opt_out(cache_settings, monkeypatch):
    """The command line turns on the same switch with its defaults: the
    user's JAX_COMPILATION_CACHE_DIR wins, and an environment variable
    turns it off."""
    from sklearn_multilabel_nn import _cli

    _cli._keep_compiled_programs()
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == str(
        cache_settings / "xdg" / "sklearn_multilabel_nn" / "jax"
    )
    assert int(os.environ["JAX_COMPILATION_CACHE_MAX_SIZE"]) == 512 * 2**20
    assert float(os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]) == 0
    mine = str(cache_settings / "mine")
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", mine)
    if "jax" in sys.modules:
        import jax

        jax.config.update("jax_compilation_cache_dir", mine)
    _cli._keep_compiled_programs()
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == mine
    for variable in _CACHE_SETTINGS.values():
        monkeypatch.delenv(variable)
    monkeypatch.setenv(_cli.NO_COMPILE_CACHE, "1")
    _cli._keep_compiled_programs()
    assert "JAX_COMPILATION_CACHE_DIR" not in os.environ


# A first fit in a fresh process, with the switch on or not; reports the
# cache's hits (JAX's own monitoring events) and the files in the folders.
_FIRST_FIT = """
import json
import os
import sys
import warnings

import numpy as np

import sklearn_multilabel_nn
from sklearn_multilabel_nn import MultiLabelNNClassifier

warnings.simplefilter("ignore")
if sys.argv[1] != "off":
    sklearn_multilabel_nn.enable_compile_cache(sys.argv[1])
import jax

events = []
jax.monitoring.register_event_listener(lambda event, **kw: events.append(event))
rng = np.random.default_rng(0)
X = rng.normal(size=(60, 5)).astype(np.float32)
Y = (X[:, :3] > 0).astype(int)
MultiLabelNNClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, Y)
print(json.dumps({
    "dir": jax.config.jax_compilation_cache_dir,
    "hits": events.count("/jax/compilation_cache/cache_hits"),
    "misses": events.count("/jax/compilation_cache/cache_misses"),
}))
"""


def _files(folder):
    return sorted(p.name for p in Path(folder).rglob("*") if p.is_file())


@pytest.mark.slow
@pytest.mark.skipif(not _has_filelock(), reason="the bounded cache needs filelock")
def test_compile_cache_is_off_by_default_and_reused_when_on(tmp_path):
    """Off by default (nothing written); on, a first fit writes its programs
    and a second fresh process loads them instead of compiling."""
    xdg, folder = tmp_path / "xdg", tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(xdg), _NO_CACHE: None}
    env.update(dict.fromkeys(_CACHE_SETTINGS.values()))

    def fit(argument):
        code = f"import sys; sys.argv = ['x', {argument!r}]\n" + _FIRST_FIT
        return run_fresh(code, env=env)

    off = fit("off")
    assert off["dir"] is None and off["hits"] == 0
    assert not (xdg / "sklearn_multilabel_nn").exists()
    assert not [name for name in _files(tmp_path) if name.endswith("-cache")]
    first = fit(str(folder))
    written = _files(folder)
    assert first["dir"] == str(folder) and first["misses"] > 0
    assert any(name.endswith("-cache") for name in written)
    second = fit(str(folder))
    assert second["hits"] >= first["misses"] > 0
    assert second["misses"] == 0
    assert {n for n in _files(folder) if n.endswith("-cache")} == {
        n for n in written if n.endswith("-cache")
    }
