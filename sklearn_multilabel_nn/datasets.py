"""Readers for multi-label data sets: CSV, ARFF (MULAN and MEKA) and LIBSVM.

Every reader returns a :class:`~sklearn.utils.Bunch` with

- ``data``: the features ``X``, a float64 ndarray of shape (n_samples, n_features)
  for dense formats (CSV, dense ARFF) and a float64 ``scipy.sparse`` CSR matrix for
  sparse formats (sparse ARFF, LIBSVM);
- ``target``: the labels ``Y``, always a dense int8 0/1 indicator ndarray of shape
  (n_samples, n_labels), whatever the format (label sets are small next to the
  features, and every scikit-learn metric and splitter takes a dense ``Y``);
- ``target_names``: the label names, an ndarray of str of shape (n_labels,);
- ``feature_names``: the feature names, an ndarray of str of shape (n_features,);
- ``filename``: the path that was read.

``return_X_y=True`` returns ``(X, Y)`` instead, as in :mod:`sklearn.datasets`.

Malformed files raise :class:`ValueError` with a message naming the file and the
problem; a missing file raises :class:`FileNotFoundError`. CSV is read with the
standard :mod:`csv` module (pandas is not needed); liac-arff (for ARFF) is imported
only by the ARFF reader. Files ending in ``.gz``, ``.bz2``, ``.xz`` or ``.zip``
(one member) are decompressed.

A file cannot claim more columns than it could describe: a LIBSVM feature index
above 4,194,304 (``2**22``, more than twice the widest public multi-label LIBSVM
data set) is refused unless ``n_features`` is given, and no reader accepts more than
``2**31 - 1`` columns. A line cut short (a LIBSVM ``3:`` without its value, an ARFF
row ending in ``,``, a CSV row with too few fields) is refused with its line number.

Examples
--------
>>> import os, tempfile
>>> from sklearn_multilabel_nn.datasets import load_csv
>>> path = os.path.join(tempfile.mkdtemp(), "toy.csv")
>>> with open(path, "w") as f:
...     _ = f.write("x1,x2,sports,politics\\n0.5,1.0,1,0\\n1.5,0.0,1,1\\n")
>>> data = load_csv(path, label_columns=["sports", "politics"])
>>> data.data.shape, data.target.shape, data.target_names.tolist()
((2, 2), (2, 2), ['sports', 'politics'])
"""

import csv
import io
import math
import os
import re
from array import array
from numbers import Integral

import numpy as np

__all__ = ["load", "load_arff", "load_csv", "load_libsvm", "load_mulan_xml"]

_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
_ARFF_SUFFIXES = {".arff"}
_LIBSVM_SUFFIXES = {".svm", ".libsvm", ".svmlight"}
_COMPRESSION_SUFFIXES = {".gz", ".bz2", ".xz", ".zip"}
_MEKA_OPTION = re.compile(r"(?:^|\s|:)-C\s+(-?\d+)")
# Most columns any reader accepts (CSR's int32 indices), and most a LIBSVM file may
# claim through its largest feature index when ``n_features`` is not given: the
# feature names are built per column, so this bounds what a tiny file can cost.
_MAX_COLUMNS = 2**31 - 1
_MAX_INFERRED_FEATURES = 2**22


def _check_file(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a directory, not a data file")
    return path


def _bunch(X, Y, label_names, feature_names, path, return_X_y):
    Y = np.asarray(Y, dtype=np.int8)
    if return_X_y:
        return X, Y
    from sklearn.utils import Bunch

    return Bunch(
        data=X,
        target=Y,
        target_names=np.asarray(label_names, dtype=str),
        feature_names=np.asarray(feature_names, dtype=str),
        filename=path,
    )


def _check_binary_labels(Y, label_names, path):
    """Raise if ``Y`` (float ndarray) holds anything other than 0 and 1."""
    bad = ~np.isin(Y, (0, 1))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        value = Y[row, col]
        what = "a missing value" if np.isnan(value) else f"value {value:g}"
        raise ValueError(
            f"{path}: label {label_names[col]!r} has {what} in row {row + 1}; "
            f"labels must be 0 or 1"
        )


def _open_binary(path):
    """Open ``path`` for reading bytes, decompressing by its suffix."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".gz":
        import gzip

        return gzip.open(path, "rb")
    if ext == ".bz2":
        import bz2

        return bz2.open(path, "rb")
    if ext == ".xz":
        import lzma

        return lzma.open(path, "rb")
    if ext == ".zip":
        import zipfile

        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as e:
            raise ValueError(f"{path}: not a readable .zip file ({e})") from None
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            archive.close()
            raise ValueError(f"{path}: a .zip file must hold exactly one file")
        return archive.open(members[0])  # keeps the archive's file open
    return open(path, "rb")


def _open_text(path):
    """``path`` as UTF-8 text (a leading byte-order mark is dropped)."""
    return io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="")


def _split_suffix(path):
    """Lower-case extension of ``path`` ignoring a compression suffix."""
    root, ext = os.path.splitext(os.fspath(path))
    if ext.lower() in _COMPRESSION_SUFFIXES:
        root, ext = os.path.splitext(root)
    return ext.lower()


# --------------------------------------------------------------------------- CSV


# pandas's default missing-value markers, and the spellings it reads as booleans.
_CSV_MISSING = frozenset(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND"}
    | {"1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)
_CSV_BOOLEANS = {"True": 1.0, "TRUE": 1.0, "true": 1.0}
_CSV_BOOLEANS.update({"False": 0.0, "FALSE": 0.0, "false": 0.0})


def load_csv(path, label_columns, *, feature_columns=None, sep=None, return_X_y=False):
    """Read a CSV file whose label columns are named (or the last ones).

    The file is parsed with Python's :mod:`csv` module (double quotes quote a
    field); pandas is not needed. Blank lines are skipped, every other row must
    have as many fields as the header, and an empty field or a marker such as
    ``NA`` or ``nan`` is a missing value (NaN in ``data``; an error in a label).
    ``True``/``False`` read as 1/0.

    Parameters
    ----------
    path : str or path-like
        The CSV file, UTF-8, with a header row. Files ending in ``.gz``,
        ``.bz2``, ``.xz`` or ``.zip`` (one member) are decompressed.
    label_columns : int, str or sequence of str
        The 0/1 label columns: their names, or a count ``n`` for the last ``n``
        columns. An empty sequence reads features only (``target`` then has
        shape (n_samples, 0)).
    feature_columns : sequence of str, default=None
        The feature columns, in this order. By default every column that is not a
        label column. All must be numeric; other columns may hold anything.
    sep : str, default=None
        Field separator: ``","``, or ``"\\t"`` for ``.tsv`` files.
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (dense float64 X), ``target`` (int8 Y), ``target_names``,
        ``feature_names`` and ``filename``; see :mod:`sklearn_multilabel_nn.datasets`.
    (X, Y) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file cannot be parsed, has no data rows, a row has the wrong
        number of fields, a column is not found, a feature is not numeric or a
        label holds a value other than 0 and 1.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("x1,x2,a,b\\n0.5,1.0,1,0\\n1.5,0.0,0,1\\n2.5,3.0,1,1\\n")
    >>> X, Y = load_csv(path, label_columns=2, return_X_y=True)
    >>> X.shape, Y.tolist()
    ((3, 2), [[1, 0], [0, 1], [1, 1]])
    """
    path = _check_file(path)
    if sep is None:
        sep = _CSV_SUFFIXES.get(_split_suffix(path), ",")
    try:
        with _open_text(path) as f:
            reader = csv.reader(f, delimiter=sep, strict=True)
            columns = _csv_header(path, reader)
            labels = _csv_label_columns(path, label_columns, columns)
            features = _csv_feature_columns(path, feature_columns, columns, labels)
            kinds = ["feature"] * len(features) + ["label"] * len(labels)
            values = _csv_values(path, reader, columns, features + labels, kinds)
    except (csv.Error, UnicodeDecodeError, EOFError, OSError) as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"{path}: not a readable CSV file ({msg})") from None
    X = np.ascontiguousarray(values[:, : len(features)])
    Y = values[:, len(features) :]
    _check_binary_labels(Y, labels, path)
    return _bunch(X, Y, labels, features, path, return_X_y)


def _csv_header(path, reader):
    """The column names: the first non-blank row, without duplicates."""
    header = next((row for row in reader if row), None)
    if header is None:
        raise ValueError(f"{path}: not a readable CSV file (no header row)")
    if len(set(header)) != len(header):
        duplicated = sorted({c for c in header if header.count(c) > 1})
        raise ValueError(f"{path}: duplicate column name(s) {duplicated} in the header")
    return header


def _csv_label_columns(path, label_columns, columns):
    if isinstance(label_columns, Integral) and not isinstance(label_columns, bool):
        n = int(label_columns)
        if not 0 <= n < len(columns):
            raise ValueError(
                f"{path}: cannot take the last {n} of {len(columns)} columns as "
                f"labels (at least one feature column must remain)"
            )
        return columns[len(columns) - n :]
    if label_columns is None:
        raise ValueError(
            f"{path}: say which columns are labels (label_columns=names or count)"
        )
    if isinstance(label_columns, str):
        labels = [label_columns]
    else:
        labels = [str(c) for c in label_columns]
    _check_columns_exist(labels, columns, "label", path)
    return labels


def _csv_feature_columns(path, feature_columns, columns, labels):
    if feature_columns is None:
        features = [c for c in columns if c not in set(labels)]
    else:
        features = [str(c) for c in feature_columns]
        _check_columns_exist(features, columns, "feature", path)
    if not features:
        raise ValueError(f"{path}: no feature columns left besides the labels")
    return features


def _check_columns_exist(wanted, columns, kind, path):
    missing = [c for c in wanted if c not in columns]
    if missing:
        shown = ", ".join(repr(c) for c in missing[:5])
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        raise ValueError(
            f"{path}: {kind} column(s) {shown}{more} not found; the columns are "
            f"{_abbreviate(columns)}"
        )
    if len(set(wanted)) != len(wanted):
        raise ValueError(f"{path}: {kind} columns are listed more than once")


def _abbreviate(names, limit=8):
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _csv_values(path, reader, columns, wanted, kinds):
    """The ``wanted`` columns of the data rows, as a float64 (n_rows, k) array."""
    position = {name: j for j, name in enumerate(columns)}
    picks = [position[name] for name in wanted]
    values, n_rows = array("d"), 0
    for row in reader:
        if not row:
            continue  # a blank line
        if len(row) != len(columns):
            raise ValueError(
                f"{path}: not a readable CSV file (line {reader.line_num} has "
                f"{len(row)} field(s), the header has {len(columns)})"
            )
        n_rows += 1
        cells = [row[j] for j in picks]
        try:
            if any("_" in text for text in cells):  # float() reads '1_0' as 10
                raise ValueError
            numbers = [float(text) for text in cells]
        except ValueError:
            numbers = _csv_numbers(path, cells, wanted, kinds, n_rows)
        values.extend(numbers)
    if n_rows == 0:
        raise ValueError(f"{path}: the file has a header but no data rows")
    return np.array(values, dtype=np.float64).reshape(n_rows, len(wanted))


def _csv_numbers(path, cells, names, kinds, row):
    """The slow path of one row: missing markers, booleans, or a clear error."""
    numbers = []
    for text, name, kind in zip(cells, names, kinds, strict=True):
        try:
            if "_" not in text:
                numbers.append(float(text))
                continue
        except ValueError:
            pass
        stripped = text.strip()
        number = math.nan if stripped in _CSV_MISSING else _CSV_BOOLEANS.get(stripped)
        if number is None:
            raise ValueError(
                f"{path}: {kind} column {name!r} is not numeric (value "
                f"{text!r} in data row {row})"
            )
        numbers.append(number)
    return numbers


# -------------------------------------------------------------------------- ARFF


def load_mulan_xml(path):
    """Read the label names from a MULAN XML label file.

    The file looks like ``<labels><label name="a"/><label name="b"/></labels>``
    (with or without MULAN's namespace). Nested labels (hierarchies) are listed in
    document order.

    Parameters
    ----------
    path : str or path-like
        The ``.xml`` file.

    Returns
    -------
    label_names : list of str

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.xml")
    >>> with open(path, "w") as f:
    ...     _ = f.write('<labels><label name="a"/><label name="b"/></labels>')
    >>> load_mulan_xml(path)
    ['a', 'b']
    """
    import xml.etree.ElementTree as ET

    path = _check_file(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise ValueError(f"{path}: not a valid XML file ({e})") from None
    names = [
        el.get("name")
        for el in root.iter()
        if el.tag.rsplit("}", 1)[-1] == "label" and el.get("name") is not None
    ]
    if root.tag.rsplit("}", 1)[-1] != "labels" or not names:
        raise ValueError(
            f"{path}: not a MULAN label file (expected "
            f'<labels><label name="..."/>...</labels>)'
        )
    return names


def load_arff(path, labels=None, *, xml=None, return_X_y=False):
    """Read a MULAN or MEKA ARFF file, dense or sparse.

    Which attributes are labels is decided, in this order, by:

    1. ``xml``: a MULAN XML label file naming them;
    2. ``labels``: a count ``n`` (MULAN: the last ``n`` attributes) or their names;
    3. a MEKA relation name holding ``-C n`` (``n > 0``: the first ``n``
       attributes; ``n < 0``: the last ``-n``), such as
       ``@relation 'scene: -C 6'``;
    4. a MULAN XML file beside the ARFF file with the same stem
       (``emotions.xml`` for ``emotions.arff``).

    Label attributes must be numeric or nominal with values 0 and 1. Feature
    attributes must be numeric, or nominal with numeric values (such as
    ``{0,1}``); string, date and other nominal attributes are refused. Missing
    feature values (``?``) become NaN; missing labels are an error. Sparse
    rows (``{index value, ...}``) give a CSR ``data``; omitted values are 0 (or,
    for a nominal attribute, its first declared value, as in Weka).

    Parameters
    ----------
    path : str or path-like
        The ``.arff`` file (a ``.arff.gz`` file is decompressed).
    labels : int or sequence of str, default=None
        Count of trailing label attributes, or label names. An empty sequence
        reads features only.
    xml : str or path-like, default=None
        MULAN XML label file.
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (X: ndarray, or CSR matrix for sparse ARFF), ``target`` (int8 Y),
        ``target_names``, ``feature_names`` and ``filename``.
    (X, Y) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If ``path`` (or ``xml``) does not exist.
    ValueError
        If the file is not valid ARFF, the labels cannot be determined or found,
        a value is not numeric, or a label holds a value other than 0 and 1.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.arff")
    >>> with open(path, "w") as f:
    ...     _ = f.write(
    ...         "@relation 'toy: -C 2'\\n"
    ...         "@attribute sports {0,1}\\n@attribute politics {0,1}\\n"
    ...         "@attribute w1 numeric\\n@attribute w2 numeric\\n"
    ...         "@data\\n{0 1, 2 0.5}\\n{1 1, 3 2.0}\\n"
    ...     )
    >>> data = load_arff(path)
    >>> type(data.data).__name__, data.target.tolist(), data.target_names.tolist()
    ('csr_matrix', [[1, 0], [0, 1]], ['sports', 'politics'])
    """
    path = _check_file(path)
    if xml is not None:
        xml = _check_file(xml)
    text = _read_text(path)
    sparse, n_rows = _scan_data_rows(path, text)
    try:
        import arff
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("load_arff needs liac-arff: pip install liac-arff") from exc
    try:
        parsed = arff.loads(
            text,
            encode_nominal=True,
            return_type=arff.COO if sparse else arff.DENSE,
        )
    except arff.ArffException as e:
        raise ValueError(f"{path}: malformed ARFF ({e})") from None
    except (ValueError, IndexError, KeyError) as e:  # liac-arff lets some through
        raise ValueError(f"{path}: malformed ARFF ({type(e).__name__}: {e})") from None

    attributes = parsed["attributes"]
    names = [name for name, _ in attributes]
    label_idx = _label_indices(path, names, parsed.get("relation", ""), labels, xml)
    lookups = [_attribute_lookup(path, name, kind) for name, kind in attributes]

    n_attr = len(attributes)
    if sparse:
        X_all = _sparse_matrix(parsed["data"], lookups, n_rows, n_attr)
    else:
        X_all = _dense_matrix(path, parsed["data"], lookups, n_attr)

    is_label = np.zeros(n_attr, dtype=bool)
    is_label[label_idx] = True
    feature_idx = np.flatnonzero(~is_label)
    label_names = [names[i] for i in label_idx]
    if sparse:
        Y = X_all[:, label_idx].toarray()
        X = X_all[:, feature_idx].tocsr()
        X.sort_indices()
    else:
        Y = X_all[:, label_idx]
        X = np.ascontiguousarray(X_all[:, feature_idx])
    _check_binary_labels(Y, label_names, path)
    return _bunch(X, Y, label_names, [names[i] for i in feature_idx], path, return_X_y)


def _read_text(path):
    try:
        with _open_text(path) as f:
            return f.read()
    except (UnicodeDecodeError, OSError, EOFError) as e:
        raise ValueError(f"{path}: cannot read the file as text ({e})") from None


def _scan_data_rows(path, text):
    """Whether the first data row is sparse, and the number of data rows.

    A dense row ending in ``,`` was cut short (liac-arff would read the empty
    last value as missing), so it is refused with its line number.
    """
    in_data, sparse, n_rows = False, None, 0
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if not in_data:
            in_data = line.lower().startswith("@data")
            continue
        if sparse is None:
            sparse = line.startswith("{")
        if line.endswith(","):
            raise ValueError(
                f"{path}: malformed ARFF (line {lineno} ends with ',': a row cut "
                f"short? a missing value is written '?')"
            )
        n_rows += 1
    return bool(sparse), n_rows


def _label_indices(path, names, relation, labels, xml):
    if xml is not None:
        wanted, source = load_mulan_xml(xml), f"the labels of {xml}"
    elif isinstance(labels, str):
        wanted, source = [labels], "the label name"
    elif _is_names(labels):
        wanted, source = [str(name) for name in labels], "the label names"
    else:
        return _counted_label_indices(path, names, relation, labels)
    position = {name: i for i, name in enumerate(names)}
    missing = [name for name in wanted if name not in position]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        raise ValueError(
            f"{path}: label(s) {shown}{more} from {source} are not attributes of "
            f"the file; its attributes are {_abbreviate(names)}"
        )
    if len(set(wanted)) != len(wanted):
        raise ValueError(f"{path}: label names are listed more than once")
    if len(wanted) >= len(names):
        raise ValueError(f"{path}: every attribute is a label; no features remain")
    return [position[name] for name in wanted]


def _is_count(labels):
    return isinstance(labels, Integral) and not isinstance(labels, bool)


def _is_names(labels):
    return not (labels is None or isinstance(labels, str | bytes) or _is_count(labels))


def _counted_label_indices(path, names, relation, labels):
    """Labels by count: ``labels`` (last n), a MEKA ``-C n``, or a sibling XML."""
    n_attr = len(names)
    if _is_count(labels):
        n, where = int(labels), "last"
    elif (match := _MEKA_OPTION.search(relation or "")) is not None:
        n = int(match.group(1))
        n, where = abs(n), "first" if n > 0 else "last"
    else:
        sibling = os.path.splitext(path)[0] + ".xml"
        if os.path.isfile(sibling):
            return _label_indices(path, names, relation, None, sibling)
        raise ValueError(
            f"{path}: cannot tell which attributes are labels; give a label "
            f"count or names, or a MULAN XML file, or use a MEKA relation "
            f"name with '-C n'"
        )
    if not 0 < n < n_attr:
        raise ValueError(
            f"{path}: cannot take the {where} {n} of {n_attr} attributes as "
            f"labels (at least one label and one feature are needed)"
        )
    return list(range(n)) if where == "first" else list(range(n_attr - n, n_attr))


def _attribute_lookup(path, name, kind):
    """None for numeric attributes; for nominal ones, index -> numeric value."""
    if isinstance(kind, str):
        if kind.upper() in {"NUMERIC", "REAL", "INTEGER"}:
            return None
        raise ValueError(
            f"{path}: attribute {name!r} has type {kind}; only numeric attributes "
            f"(or nominal ones with numeric values) are supported"
        )
    try:
        return np.array([float(v) for v in kind])
    except ValueError:
        raise ValueError(
            f"{path}: attribute {name!r} is nominal with non-numeric values "
            f"{{{', '.join(kind[:5])}{', ...' if len(kind) > 5 else ''}}}; "
            f"encode it as numbers first"
        ) from None


def _dense_matrix(path, rows, lookups, n_attr):
    try:
        M = np.array(rows, dtype=np.float64).reshape(len(rows), n_attr)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: malformed ARFF data ({e})") from None
    for j, lookup in enumerate(lookups):
        if lookup is not None:
            col = M[:, j]
            ok = ~np.isnan(col)
            col[ok] = lookup[col[ok].astype(np.intp)]
    return M


def _sparse_matrix(coo, lookups, n_rows, n_attr):
    import scipy.sparse as sp

    values, rows, cols = coo
    n_rows = max(n_rows, (max(rows) + 1) if len(rows) else 0)
    values = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    rows = np.asarray(rows, dtype=np.intp)
    cols = np.asarray(cols, dtype=np.intp)
    extra_vals, extra_rows, extra_cols = [values], [rows], [cols]
    for j, lookup in enumerate(lookups):
        if lookup is not None and lookup[0] != 0:
            # An omitted nominal value is the first declared one: store it.
            absent = np.setdiff1d(np.arange(n_rows), rows[cols == j])
            extra_vals.append(np.zeros(absent.size))
            extra_rows.append(absent)
            extra_cols.append(np.full(absent.size, j))
    values = np.concatenate(extra_vals)
    rows = np.concatenate(extra_rows)
    cols = np.concatenate(extra_cols)
    for j, lookup in enumerate(lookups):
        if lookup is not None:
            sel = (cols == j) & ~np.isnan(values)
            values[sel] = lookup[values[sel].astype(np.intp)]
    M = sp.csr_matrix((values, (rows, cols)), shape=(n_rows, n_attr))
    M.eliminate_zeros()
    return M


# ------------------------------------------------------------------------ LIBSVM


def load_libsvm(
    path, *, classes=None, n_features=None, zero_based="auto", return_X_y=False
):
    """Read a multi-label LIBSVM / SVMlight file (``1,3 4:0.5 9:1.0``).

    A thin layer over :func:`sklearn.datasets.load_svmlight_file` with
    ``multilabel=True``, after a check of every line (so that a line cut short,
    such as ``1 3:``, is refused with its number rather than misread). A row may
    have no label (the line then starts with a space); ``#`` starts a comment.

    Parameters
    ----------
    path : str or path-like
        The file (``.gz``, ``.bz2``, ``.xz`` and one-member ``.zip`` files are
        decompressed).
    classes : sequence of int, default=None
        All label values, so that a test file gets the same label columns as its
        training file. By default the sorted label values found in the file. An
        empty sequence reads features only.
    n_features : int, default=None
        Number of features (columns of X), at most ``2**31 - 1``; by default
        inferred from the largest feature index, which may then be at most
        ``2**22`` (4,194,304): a larger index in a file is taken as corruption.
    zero_based : bool or "auto", default="auto"
        Whether feature indices start at 0, as in ``load_svmlight_file``. Give it
        explicitly when reading a training and a test file separately.
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (CSR float64 X), ``target`` (int8 Y), ``target_names`` (the
        label values as strings), ``feature_names`` (the column numbers as
        strings) and ``filename``.
    (X, Y) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is malformed (a line is not ``labels index:value ...``),
        claims too many features, or holds labels outside ``classes``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.svm")
    >>> with open(path, "w") as f:
    ...     _ = f.write("0,2 1:0.5 3:1.0\\n1 2:2.0\\n 1:1.0\\n")
    >>> X, Y = load_libsvm(path, return_X_y=True)
    >>> X.shape, Y.tolist()
    ((3, 3), [[1, 0, 1], [0, 1, 0], [0, 0, 0]])
    """
    path = _check_file(path)
    if n_features is not None and not 0 < n_features <= _MAX_COLUMNS:
        raise ValueError(f"n_features={n_features} is not in [1, 2**31 - 1]")
    _check_libsvm_lines(path)
    X, y = _read_svmlight(path, n_features, zero_based)
    if n_features is None and X.shape[1] > _MAX_INFERRED_FEATURES:
        _refuse_libsvm_width(path, X.shape[1])
    feature_names = np.arange(X.shape[1]).astype(str)
    label_sets = _libsvm_label_sets(path, y)
    if classes is not None and len(classes) == 0:  # features only
        Y = np.zeros((X.shape[0], 0))
        return _bunch(X.tocsr(), Y, [], feature_names, path, return_X_y)
    classes = _libsvm_classes(path, label_sets, classes)
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer(classes=classes, sparse_output=True)
    Y = binarizer.fit_transform(label_sets).astype(np.int8).toarray()
    return _bunch(
        X.tocsr(), Y, [str(c) for c in classes], feature_names, path, return_X_y
    )


_NUMBER = rb"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?i:nan|inf(?:inity)?)"
_LIBSVM_LINE = re.compile(
    rb"[ \t]*(?:(?:%(n)s)(?:,(?:%(n)s))*)?"  # the labels, maybe none
    rb"(?:[ \t]+(?:qid:\d+|\d+:(?:%(n)s)))*"  # index:value pairs
    rb"[ \t\r]*(?:#.*)?" % {b"n": _NUMBER}  # a comment
)


def _check_libsvm_lines(path):
    """Refuse the first line that is not ``labels index:value ...``."""
    try:
        with _open_binary(path) as f:
            for lineno, line in enumerate(f, 1):
                if _LIBSVM_LINE.fullmatch(line.rstrip(b"\n")) is None:
                    shown = line.rstrip(b"\r\n")[:60].decode("utf-8", "replace")
                    raise ValueError(
                        f"{path}: malformed LIBSVM file (line {lineno}: {shown!r} "
                        f"is not 'labels index:value ...'; is it cut short?)"
                    )
    except (OSError, EOFError) as e:
        raise ValueError(f"{path}: malformed LIBSVM file ({e})") from None


def _read_svmlight(path, n_features, zero_based):
    from sklearn.datasets import load_svmlight_file

    try:
        with _open_binary(path) as f:
            return load_svmlight_file(
                f,
                n_features=n_features,
                multilabel=True,
                zero_based=zero_based,
                dtype=np.float64,
            )
    except (ValueError, OverflowError, UnicodeDecodeError, OSError, EOFError) as e:
        raise ValueError(f"{path}: malformed LIBSVM file ({e})") from None


def _refuse_libsvm_width(path, width):
    """Raise for a file whose largest feature index claims ``width`` columns."""
    largest, where = 0, 0
    with _open_binary(path) as f:
        for lineno, line in enumerate(f, 1):
            indices = re.findall(rb"(?:^|\s)(\d+):", line.split(b"#")[0])
            if indices and max(map(int, indices)) > largest:
                largest, where = max(map(int, indices)), lineno
    raise ValueError(
        f"{path}: feature index {largest} (line {where}) would make {width} "
        f"columns, more than the {_MAX_INFERRED_FEATURES} a file may claim; pass "
        f"n_features if the data really is that wide"
    )


def _libsvm_label_sets(path, y):
    label_sets = []
    for i, labels in enumerate(y):
        if any(v != int(v) for v in labels):
            raise ValueError(f"{path}: row {i + 1} has a non-integer label in {labels}")
        label_sets.append([int(v) for v in labels])
    return label_sets


def _libsvm_classes(path, label_sets, classes):
    found = sorted({v for s in label_sets for v in s})
    if classes is None:
        classes = found
    else:
        classes = [int(c) for c in classes]
        unknown = sorted(set(found) - set(classes))
        if unknown:
            raise ValueError(
                f"{path}: label(s) {unknown[:5]} are not among the given classes"
            )
    if not classes:
        raise ValueError(f"{path}: no labels found in the file")
    return classes


# ------------------------------------------------------------ default data set

_DEFAULT_FILE = os.path.join(os.path.dirname(__file__), "_default_multilabel.npz")


def _load_default():
    """The command line's default data set, as ``(X, Y)``.

    Equal to ``make_multilabel_classification(n_samples=1000, n_features=10,
    n_classes=3, n_labels=2, random_state=1)``, read from a 6 kB file shipped with
    the package: generating it takes seconds (one class has probability 1e-4,
    and scikit-learn draws labels by rejection sampling). Falls back to
    generating it when the file is missing.
    """
    try:
        with np.load(_DEFAULT_FILE) as stored:
            return stored["X"].astype(np.float64), stored["Y"].astype(np.int64)
    except OSError:
        from sklearn.datasets import make_multilabel_classification

        return make_multilabel_classification(
            n_samples=1000, n_features=10, n_classes=3, n_labels=2, random_state=1
        )


# ---------------------------------------------------------------------- dispatch


def guess_format(path):
    """Name the format of ``path`` from its extension: csv, arff or libsvm.

    Examples
    --------
    >>> guess_format("emotions.arff"), guess_format("rcv1.svm.bz2")
    ('arff', 'libsvm')
    """
    ext = _split_suffix(path)
    if ext in _CSV_SUFFIXES:
        return "csv"
    if ext in _ARFF_SUFFIXES:
        return "arff"
    if ext in _LIBSVM_SUFFIXES:
        return "libsvm"
    raise ValueError(
        f"{os.fspath(path)}: cannot tell the format from the extension "
        f"{ext or '(none)'!r}; use .csv, .tsv, .arff, .svm, .libsvm or .svmlight, "
        f"or name the format"
    )


def load(path, labels=None, *, xml=None, format=None, return_X_y=False):
    """Read a multi-label data set, choosing the reader by extension.

    Parameters
    ----------
    path : str or path-like
        ``.csv``/``.tsv`` (:func:`load_csv`), ``.arff`` (:func:`load_arff`) or
        ``.svm``/``.libsvm``/``.svmlight`` (:func:`load_libsvm`), optionally
        compressed.
    labels : int or sequence of str, default=None
        CSV: the label columns (names, or a count of last columns; required).
        ARFF: a count of last attributes, or names (see :func:`load_arff`).
        LIBSVM: the label values (``classes``).
    xml : str or path-like, default=None
        MULAN XML label file (ARFF only).
    format : {"csv", "arff", "libsvm"}, default=None
        Overrides the extension.
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch` or tuple
        As returned by the chosen reader.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.svm")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1,2 1:0.5\\n2 2:1.5\\n")
    >>> data = load(path)
    >>> data.data.shape, data.target_names.tolist()
    ((2, 2), ['1', '2'])
    """
    if format is None:
        format = guess_format(path)
    if xml is not None and format != "arff":
        raise ValueError(f"{os.fspath(path)}: an XML label file only goes with ARFF")
    if format == "csv":
        return load_csv(path, labels, return_X_y=return_X_y)
    if format == "arff":
        return load_arff(path, labels, xml=xml, return_X_y=return_X_y)
    if format == "libsvm":
        return load_libsvm(path, classes=labels, return_X_y=return_X_y)
    raise ValueError(f"unknown format {format!r}; expected 'csv', 'arff' or 'libsvm'")
