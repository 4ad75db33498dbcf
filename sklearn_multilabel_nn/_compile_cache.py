"""The one switch for JAX's persistent compilation cache (library and CLI).

Only argument checks and the default folder live here; the settings are
applied by ``_keras._compile_cache`` (the only place that touches JAX).
"""

import os
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, validate_params

#: Default bound of the on-disk cache (bytes).
COMPILE_CACHE_MAX_BYTES = 512 * 2**20


def default_compile_cache_dir():
    """``$XDG_CACHE_HOME/sklearn_multilabel_nn/jax`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "sklearn_multilabel_nn", "jax")


@validate_params(
    {
        "path": [str, os.PathLike, None],
        "max_size": [Interval(Integral, 0, None, closed="left"), None],
        "min_compile_time": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def enable_compile_cache(
    path=None, *, max_size=COMPILE_CACHE_MAX_BYTES, min_compile_time=0.0
):
    """Keep compiled training programs on disk, for later Python processes.

    A first fit in a fresh process spends most of its time compiling the
    network's training program (seconds; later fits of the same architecture
    in the process reuse it). With this switch on, JAX's persistent
    compilation cache writes each compiled program to ``path``, and a later
    process that trains the same configuration loads it instead of compiling
    it again. It is off unless you call this function; the command line
    (``python -m sklearn_multilabel_nn``) calls it for itself.

    The setting holds for the rest of this process and for the processes it
    starts afterwards (joblib's worker processes of a search, for example):
    it is set in JAX's configuration and in the environment
    (``JAX_COMPILATION_CACHE_DIR``, ``JAX_COMPILATION_CACHE_MAX_SIZE``,
    ``JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS``). It applies to every JAX
    program of the process, not only this package's.

    Parameters
    ----------
    path : str or path-like, default=None
        The cache folder (created when needed). None: the folder JAX is
        already configured with (``JAX_COMPILATION_CACHE_DIR``), else
        ``$XDG_CACHE_HOME/sklearn_multilabel_nn/jax`` (``~/.cache/...``
        when ``XDG_CACHE_HOME`` is unset).
    max_size : int or None, default=536870912
        Bound of the folder in bytes (512 MiB): JAX drops the least recently
        used programs beyond it. This needs the ``filelock`` package, a
        dependency of this package. None: no bound.
    min_compile_time : float, default=0.0
        Seconds a compilation must take for its program to be kept. JAX's own
        default (1 s) would skip most of a small network's programs.

    Returns
    -------
    path : str
        The cache folder in use.

    Raises
    ------
    ImportError
        When ``max_size`` is set and ``filelock`` is not installed.

    Notes
    -----
    Call it before the first fit: JAX opens its cache at the first
    compilation after a folder is set and keeps it, so moving to another
    folder later in the same process has no effect. Keep the folder private:
    JAX loads what it finds there as trusted code.

    Examples
    --------
    >>> import sklearn_multilabel_nn
    >>> sklearn_multilabel_nn.enable_compile_cache("my_cache")  # doctest: +SKIP
    'my_cache'
    """
    from . import _keras

    return _keras.configure_compile_cache(
        path, max_size=max_size, min_compile_time=float(min_compile_time),
        default=default_compile_cache_dir(),
    )  # fmt: skip
