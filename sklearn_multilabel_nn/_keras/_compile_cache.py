"""JAX's persistent compilation cache, set for this process and its children
(see ``.._compile_cache.enable_compile_cache``, the public switch)."""

import importlib.util
import os
import sys

# JAX option -> the environment variable it reads when JAX is imported.
_ENVIRONMENT = {
    "jax_compilation_cache_dir": "JAX_COMPILATION_CACHE_DIR",
    "jax_compilation_cache_max_size": "JAX_COMPILATION_CACHE_MAX_SIZE",
    "jax_persistent_cache_min_compile_time_secs": (
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"
    ),
}


def _configured_dir():
    if "jax" in sys.modules:
        import jax

        return jax.config.jax_compilation_cache_dir
    return os.environ.get("JAX_COMPILATION_CACHE_DIR") or None


def configure_compile_cache(path, *, max_size, min_compile_time, default):
    """Turn the cache on (``path`` None: JAX's configured folder, else
    ``default``); returns the folder."""
    if max_size is not None and importlib.util.find_spec("filelock") is None:
        raise ImportError(
            "A bounded compilation cache (max_size) needs the 'filelock' "
            "package: pip install filelock (or pass max_size=None)."
        )
    path = os.fspath(path) if path is not None else _configured_dir() or default
    settings = {
        "jax_compilation_cache_dir": path,
        "jax_compilation_cache_max_size": -1 if max_size is None else int(max_size),
        "jax_persistent_cache_min_compile_time_secs": min_compile_time,
    }
    # The environment carries the setting to processes started later (and to
    # this one, when JAX is not imported yet); JAX's config to this process.
    for name, value in settings.items():
        os.environ[_ENVIRONMENT[name]] = str(value)
    if "jax" in sys.modules:
        import jax

        for name, value in settings.items():
            jax.config.update(name, value)
    return path
