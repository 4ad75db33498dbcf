"""Saving and loading fitted estimators in a format that runs no code.

A model file is a zip archive:

``manifest.json``
    ``format`` (``"sklearn-multilabel-nn"``), ``format_version`` (1), the
    versions of the package, scikit-learn, NumPy and Keras that wrote it, the
    Keras backend, ``estimator`` (the allow-listed name of the saved class)
    and ``metadata`` (a JSON object given to :func:`save`; ``{}`` by default).
``state.json``
    The estimator's ``__getstate__()`` as tagged JSON: plain JSON values as
    they are, and objects with a ``"__kind__"`` key for tuples, dicts with
    non-string keys, NumPy scalars, object arrays, non-finite floats, arrays
    and networks stored beside it, allow-listed objects and parameters that
    were not stored.
``arrays/<i>.npy``
    NumPy arrays, read with ``np.load(allow_pickle=False)``.
``models/<i>.keras``
    Keras networks in the ``.keras`` format, loaded in Keras's safe mode.

Loading imports only the classes of :data:`_ALLOWED`, builds them with
``cls.__new__`` and ``__setstate__`` and never unpickles anything. Nothing in
this module names the estimator's private attributes: it stores whatever
``__getstate__`` returns, so the estimator stays free to change them.
"""

import io
import json
import math
import os
import re
import tempfile
import zipfile

import numpy as np

FORMAT = "sklearn-multilabel-nn"
FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_STATE = "state.json"
_KIND = "__kind__"
_ENTRY = re.compile(r"(arrays/\d+\.npy|models/\d+\.keras)")
_SCALAR_KINDS = "biufU"  # NumPy scalars whose .item() is a JSON value

# The classes a model file may hold: a stable name in the file -> (module,
# attribute) imported on loading. Names in a file that are not keys here are
# refused before anything is imported.
_ALLOWED = {
    "sklearn_multilabel_nn.MultiLabelNNClassifier": (
        "sklearn_multilabel_nn._classifier",
        "MultiLabelNNClassifier",
    ),
    "sklearn_multilabel_nn.TargetEncoder": (
        "sklearn_multilabel_nn._targets",
        "TargetEncoder",
    ),
    "sklearn_multilabel_nn.FBetaScore": (
        "sklearn_multilabel_nn._objectives",
        "FBetaScore",
    ),
    "sklearn_multilabel_nn.MisclassificationCost": (
        "sklearn_multilabel_nn._objectives",
        "MisclassificationCost",
    ),
    "sklearn_multilabel_nn.NotRestored": (
        "sklearn_multilabel_nn._persistence",
        "NotRestored",
    ),
    "sklearn.preprocessing.LabelEncoder": ("sklearn.preprocessing", "LabelEncoder"),
    "sklearn.preprocessing.MultiLabelBinarizer": (
        "sklearn.preprocessing",
        "MultiLabelBinarizer",
    ),
    "sklearn.preprocessing.StandardScaler": (
        "sklearn.preprocessing",
        "StandardScaler",
    ),
    "sklearn.pipeline.Pipeline": ("sklearn.pipeline", "Pipeline"),
}
# The classes a file may hold at its top level.
_ESTIMATORS = (
    "sklearn_multilabel_nn.MultiLabelNNClassifier",
    "sklearn.pipeline.Pipeline",
)


class NotRestored:
    """Stands in for a parameter value that a model file cannot hold.

    A function (a custom ``model`` builder, a callable ``loss`` or
    ``threshold_scoring``), a Keras optimizer instance or a ``RandomState``
    is Python code or live state, so :func:`save` stores only its name. The
    loaded estimator predicts as before; to fit it again, set the parameter
    with ``set_params`` first. Called, it raises ``ValueError``.
    """

    def __init__(self, what):
        self.what = what

    def __repr__(self):
        return f"<not restored: {self.what}>"

    def __call__(self, *args, **kwargs):
        raise ValueError(
            f"This parameter held {self.what}, which sklearn_multilabel_nn.save "
            "does not store; set it with set_params(...) before fitting again."
        )


def _import(name):
    import importlib

    module, attribute = _ALLOWED[name]
    return getattr(importlib.import_module(module), attribute)


def _describe(value):
    name = getattr(value, "__qualname__", None) or type(value).__qualname__
    module = getattr(value, "__module__", None) or type(value).__module__
    kind = "" if hasattr(value, "__qualname__") else " instance"
    return f"{module}.{name}{kind}"


def _is_keras_file(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "config.json" in archive.namelist()
    except zipfile.BadZipFile:
        return False


# ------------------------------------------------------------------ saving


_CONTAINERS = (list, tuple, dict, np.ndarray)


class _Writer:
    """Turns a state into tagged JSON, collecting arrays and networks."""

    def __init__(self):
        self.entries = {}  # zip entry name -> bytes
        self.classes = {_import(name): name for name in _ALLOWED}

    def encode(self, value, where):
        if value is None or type(value) in (bool, int, str):
            return value
        if type(value) is float:
            return (
                value
                if math.isfinite(value)
                else {_KIND: "float", "value": repr(value)}
            )
        for kind, method in self._BY_TYPE:
            if isinstance(value, kind):
                return method(self, value, where)
        if type(value) in self.classes:
            return self._object(value, where)
        raise TypeError(
            f"{where} is {_describe(value)}, which the safe model format cannot "
            "hold (pickle the estimator instead, for trusted use only)."
        )

    def _array(self, value, where):
        if value.dtype.hasobject:
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value.flat)]
            return {_KIND: "object_array", "shape": list(value.shape), "items": items}
        name = f"arrays/{len(self.entries)}.npy"
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        self.entries[name] = buffer.getvalue()
        return {_KIND: "array", "entry": name}

    def _scalar(self, value, where):
        if value.dtype.kind not in _SCALAR_KINDS:
            raise TypeError(
                f"{where} is a NumPy {value.dtype} scalar, which cannot be saved."
            )
        item = value.item()
        if isinstance(item, float) and not math.isfinite(item):
            item = repr(item)
        return {_KIND: "scalar", "dtype": value.dtype.str, "value": item}

    def _bytes(self, value, where):
        if not _is_keras_file(value):
            raise TypeError(f"{where} holds bytes that are not a .keras model file.")
        name = f"models/{len(self.entries)}.keras"
        self.entries[name] = bytes(value)
        return {_KIND: "keras", "entry": name}

    def _sequence(self, value, where):
        items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if type(value) is list else {_KIND: "tuple", "items": items}

    def _dict(self, value, where):
        if all(type(key) is str for key in value) and _KIND not in value:
            return {
                key: self.encode(v, f"{where}[{key!r}]") for key, v in value.items()
            }
        items = [
            [self.encode(key, f"{where} key"), self.encode(v, f"{where}[{key!r}]")]
            for key, v in value.items()
        ]
        return {_KIND: "dict", "items": items}

    def _object(self, value, where):
        getstate = getattr(value, "__getstate__", None)
        state = getstate() if getstate is not None else vars(value)
        state = {} if state is None else state
        if not isinstance(state, dict) or not all(type(k) is str for k in state):
            raise TypeError(f"{where} ({_describe(value)}) has no dict state.")
        params = (
            set(value.get_params(deep=False)) if hasattr(value, "get_params") else ()
        )
        encoded = {}
        for key, item in state.items():
            if key in params:
                encoded[key] = self._parameter(item, f"{where}.{key}")
            else:
                encoded[key] = self.encode(item, f"{where}.{key}")
        return {_KIND: "object", "class": self.classes[type(value)], "state": encoded}

    def _parameter(self, value, where):
        """A parameter that cannot be stored becomes a NotRestored marker."""
        if hasattr(value, "get_params") or isinstance(value, _CONTAINERS):
            return self.encode(value, where)  # all or nothing (Pipeline steps)
        before = dict(self.entries)
        try:
            return self.encode(value, where)
        except TypeError:
            self.entries = before
            return self.encode(NotRestored(_describe(value)), where)

    _BY_TYPE = (
        (np.ndarray, _array),
        (np.generic, _scalar),
        (bytes, _bytes),
        ((list, tuple), _sequence),
        (dict, _dict),
    )


def _manifest(name, metadata):
    import keras
    import sklearn

    from . import __version__

    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "keras_version": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "estimator": name,
        "metadata": metadata,
    }


def save(estimator, path, *, overwrite=False, metadata=None):
    """Save a fitted estimator to a file that loading cannot make run code.

    The file is a zip archive of JSON, ``.npy`` arrays and ``.keras``
    networks (see :ref:`persistence`). Parameters that hold Python code or
    live objects (a custom ``model`` function, a callable ``loss``, a Keras
    optimizer instance, a ``RandomState``) are not stored; the loaded
    estimator holds a ``NotRestored`` marker in their place.

    Parameters
    ----------
    estimator : MultiLabelNNClassifier or Pipeline
        The estimator, fitted or not; a :class:`~sklearn.pipeline.Pipeline`
        may hold :class:`~sklearn.preprocessing.StandardScaler` steps before
        it.
    path : str or path-like
        The file to write.
    overwrite : bool, default=False
        Replace ``path`` if it exists; otherwise an existing file is an error.
    metadata : dict, default=None
        JSON-serialisable facts to store beside the estimator (the command
        line stores the feature and label names); read them back with
        ``load(path, return_metadata=True)``.

    Raises
    ------
    TypeError
        If the estimator holds an object the format cannot store.
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        If the folder of ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn_multilabel_nn import MultiLabelNNClassifier, load, save
    >>> X, Y = make_multilabel_classification(n_samples=40, random_state=0)
    >>> clf = MultiLabelNNClassifier((8,), epochs=2, random_state=0).fit(X, Y)
    >>> path = os.path.join(tempfile.mkdtemp(), "clf.mlnn")
    >>> save(clf, path)
    >>> bool((load(path).predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist")
    writer = _Writer()
    name = writer.classes.get(type(estimator))
    if name not in _ESTIMATORS:
        raise TypeError(
            "save takes a MultiLabelNNClassifier or a Pipeline of allowed steps; "
            f"got {_describe(estimator)}."
        )
    state = writer.encode(estimator, "estimator")
    manifest = _manifest(name, {} if metadata is None else metadata)
    texts = {_MANIFEST: json.dumps(manifest, indent=1), _STATE: json.dumps(state)}
    _write_zip(path, texts, writer.entries, overwrite)


def _write_zip(path, texts, entries, overwrite):
    """Write the archive to a temporary file, then move it into place."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".mlnn")
    try:
        with os.fdopen(handle, "wb") as f, zipfile.ZipFile(f, "w") as archive:
            for name, text in texts.items():
                archive.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)
            for name, data in entries.items():
                archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would have made it
        if not overwrite and os.path.exists(path):  # appeared meanwhile
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# ----------------------------------------------------------------- loading


class _Refused(Exception):
    """What is wrong with a file; ``load`` turns it into one ValueError."""


class _Reader:
    """Rebuilds a state from tagged JSON and the archive's entries."""

    def __init__(self, archive):
        self.archive = archive
        self.names = set(archive.namelist())

    def decode(self, value):
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if _KIND not in value:
            return {key: self.decode(v) for key, v in value.items()}
        method = self._BY_KIND.get(value[_KIND])
        if method is None:
            raise _Refused(f"unknown entry kind {value[_KIND]!r}")
        return method(self, value)

    def _read(self, value):
        name = value["entry"]
        if not isinstance(name, str) or not _ENTRY.fullmatch(name):
            raise _Refused(f"bad entry name {name!r}")
        if name not in self.names:
            raise _Refused(f"entry {name} is missing")
        return self.archive.read(name)

    def _array(self, value):
        return np.load(io.BytesIO(self._read(value)), allow_pickle=False)

    def _keras(self, value):
        data = self._read(value)
        _check_network(data)
        return data

    def _object_array(self, value):
        items = self.decode(value["items"])
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array.reshape(value["shape"])

    def _scalar(self, value):
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in _SCALAR_KINDS:
            raise _Refused(f"a scalar of dtype {dtype}")
        item = value["value"]
        return dtype.type(float(item) if dtype.kind in "fc" else item)

    def _float(self, value):
        return float(value["value"])

    def _tuple(self, value):
        return tuple(self.decode(value["items"]))

    def _dict(self, value):
        return {_hashable(self.decode(k)): self.decode(v) for k, v in value["items"]}

    def _object(self, value):
        cls = _allowed_class(value["class"])
        state = self.decode(value["state"])
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise _Refused(f"the state of {value['class']} is not a dict")
        obj = cls.__new__(cls)
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:
            obj.__dict__.update(state)
        return obj

    _BY_KIND = {
        "array": _array,
        "keras": _keras,
        "object_array": _object_array,
        "scalar": _scalar,
        "float": _float,
        "tuple": _tuple,
        "dict": _dict,
        "object": _object,
    }


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _allowed_class(name, allowed=_ALLOWED):
    if not isinstance(name, str) or name not in allowed:
        raise _Refused(f"it names the class {name!r}, which a model file may not hold")
    return _import(name)


def _check_network(data):
    """Load a ``.keras`` entry in safe mode, so a network with code is refused."""
    from ._keras._serialize import load_model_file

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        try:
            load_model_file(path)
        except Exception as exc:
            raise _Refused(
                f"a network does not load in Keras's safe mode: {exc}"
            ) from exc


def _read_manifest(archive):
    try:
        manifest = json.loads(archive.read(_MANIFEST))
    except KeyError:
        raise _Refused(f"it has no {_MANIFEST}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _Refused(f"its {_MANIFEST} is not of the {FORMAT!r} format")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise _Refused(
            f"format version {version!r}; this version of sklearn_multilabel_nn "
            f"reads version {FORMAT_VERSION}"
        )
    _allowed_class(manifest.get("estimator"), _ESTIMATORS)
    return manifest


def _read(path):
    if not zipfile.is_zipfile(path):
        raise _Refused(
            "it is not a zip archive (pickle and joblib files are never read "
            "here, since loading them can run code)"
        )
    with zipfile.ZipFile(path) as archive:
        manifest = _read_manifest(archive)
        state = json.loads(archive.read(_STATE))
        if not isinstance(state, dict) or state.get("class") != manifest["estimator"]:
            raise _Refused("its state does not match the manifest")
        return _Reader(archive).decode(state), manifest


def load(path, *, return_metadata=False):
    """Load an estimator written by :func:`save`, running no code from the file.

    Only the classes the format allows are rebuilt (the package's estimator,
    its target encoder and objectives, scikit-learn's ``LabelEncoder``,
    ``MultiLabelBinarizer``, ``StandardScaler`` and ``Pipeline``); arrays are
    read without pickle and networks in Keras's safe mode.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save` (or by ``sklearn-multilabel-nn fit``).
    return_metadata : bool, default=False
        Also return the ``metadata`` dict given to :func:`save`.

    Returns
    -------
    estimator : MultiLabelNNClassifier or Pipeline
        The estimator as saved, except parameters that were not stored (see
        :func:`save`).
    metadata : dict
        Only with ``return_metadata=True``.

    Raises
    ------
    ValueError
        If the file is not such a model file (a pickle, a damaged archive, an
        unknown format version, a class the format does not allow, ...).

    Examples
    --------
    >>> import os, pickle, tempfile
    >>> from sklearn_multilabel_nn import load
    >>> path = os.path.join(tempfile.mkdtemp(), "sent.pkl")
    >>> with open(path, "wb") as f:
    ...     pickle.dump({"not": "a model file"}, f)
    >>> try:
    ...     load(path)
    ... except ValueError as exc:
    ...     print("refused")
    refused

    See :func:`save` for a round trip.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        estimator, manifest = _read(path)
    except (_Refused, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a {FORMAT} model file: {_line(exc)}") from None
    except Exception as exc:  # damaged or crafted content
        reason = f"{type(exc).__name__}: {_line(exc)}"
        raise ValueError(f"{path}: not a valid {FORMAT} model file ({reason})") from exc
    if return_metadata:
        return estimator, manifest.get("metadata") or {}
    return estimator


def _line(exc, limit=300):
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
