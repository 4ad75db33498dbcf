"""Data placement: dense chunks of sparse rows within a memory budget, row
padding to bucket sizes, and sparse rows on the device.

Sparse rows that the network multiplies directly stay on the device in CSR
form (``CSRRows``: int32 positions, float values; about the size of the
matrix), and each batch is gathered from them as padded rows; on the host
each array is made once and freed as soon as it is on the device.

Sparse inputs are densified a chunk of rows at a time, and a chunk holds at
most a quarter of the budget (``memory_bytes``, which the estimator takes from
scikit-learn's ``working_memory``): on its way to the device a chunk exists as
a host copy and a device copy, and the engines wait for each chunk to be
consumed before densifying the next, so a large sparse matrix is never
densified whole.
"""

import numpy as np
import scipy.sparse as sp

from ._common import float_dtype


def chunk_rows(n_features_per_row, memory_bytes, *, minimum=1, maximum=None):
    """Rows of dense floats in one chunk: a quarter of ``memory_bytes``."""
    row_bytes = float_dtype().itemsize * max(1, n_features_per_row)
    rows = max(minimum, int((memory_bytes / 4) // row_bytes))
    return rows if maximum is None else min(rows, maximum)


def row_size(X):
    return int(np.prod(X.shape[1:]))


def fits_in_budget(X, memory_bytes):
    return not sp.issparse(X) or X.shape[0] <= chunk_rows(row_size(X), memory_bytes)


def dense_rows(X, rows, out=None, dtype=None):
    """Dense float copy of ``X[rows]`` (only these rows are densified),
    written into ``out`` when given (saving one copy)."""
    part = X[rows]
    if out is None:
        part = part.toarray() if sp.issparse(part) else part
        return np.asarray(part, dtype=dtype or float_dtype())
    if sp.issparse(part) and part.dtype == out.dtype:
        part.toarray(out=out)
    elif sp.issparse(part):
        out[...] = part.toarray()
    else:
        out[...] = part
    return out


def padded_dense(X, rows, size):
    """Dense float rows ``X[rows]`` (a slice) followed by zero rows up to
    ``size`` rows: densified straight into the padded array (one host copy),
    or ``X``'s own rows when they need neither padding nor a cast."""
    n = len(range(*rows.indices(X.shape[0])))
    if not sp.issparse(X) and n == size:
        return np.asarray(X[rows], dtype=float_dtype())
    out = np.zeros((size,) + X.shape[1:], dtype=float_dtype())
    dense_rows(X, rows, out=out[:n])
    return out


def round_up(n, multiple):
    """``n`` rounded up to a multiple of ``multiple``."""
    return -(-int(n) // int(multiple)) * int(multiple)


def row_bucket(n):
    """``n`` rounded up to a multiple of 64 or of a sixteenth of its power of
    two (at most 12.5 % more rows from 512 on), so that arrays of nearby
    sizes (the folds of a cross-validation, prediction chunks) compile one
    program rather than one each. Padding rows have weight zero."""
    return round_up(n, max(64, 1 << max(0, int(n).bit_length() - 4)))


# Up to this many rows, and this many bytes of padding, training arrays pad
# to a power of two (see below).
COARSE_TRAINING_ROWS = 2**14
_COARSE_PADDING_BYTES = 2**26


def training_rows(n, at_least=0, row_bytes=0):
    """Rows of the training arrays on the device for ``n`` rows (or for
    ``at_least``, if more) of ``row_bytes`` each: a power of two up to
    16,384 rows and 64 MiB of padding, else ``row_bucket``. An epoch reads
    only the first ``n`` rows, so padding costs memory, never arithmetic;
    coarse buckets let fits on a few more or fewer rows (a refit on all rows
    after cross-validation, the final network of ``threshold="auto"`` after
    its fold networks) share one compiled program, whose compilation costs
    small data more than the training does."""
    n = max(int(n), int(at_least))
    coarse = max(64, 1 << max(0, n - 1).bit_length())
    if n <= COARSE_TRAINING_ROWS and (coarse - n) * row_bytes <= _COARSE_PADDING_BYTES:
        return coarse
    return row_bucket(n)


def device_row_bytes(X):
    """Bytes a padding row of ``X`` costs on the device: a dense row, or one
    CSR row pointer."""
    if sp.issparse(X):
        return 4
    return float_dtype().itemsize * row_size(X)


def pad_rows(a, rows, dtype=None):
    """``a`` (host array) with zero rows appended up to ``rows`` rows."""
    a = np.asarray(a, dtype=dtype)
    if a.shape[0] == rows:
        return a
    padded = np.zeros((rows,) + a.shape[1:], dtype=a.dtype)
    padded[: a.shape[0]] = a
    return padded


def to_bcoo(indices, values, n_features):
    """Padded rows ``(indices, values)``, each (batch, k), as a BCOO matrix
    of shape (batch, n_features) with batch * k stored entries (padding
    entries are zeros at column 0 and add nothing)."""
    import jax.numpy as jnp
    from jax.experimental import sparse as jsparse

    batch, k = indices.shape
    rows = jnp.broadcast_to(jnp.arange(batch, dtype=indices.dtype)[:, None], (batch, k))
    coords = jnp.stack([rows.reshape(-1), indices.reshape(-1)], axis=1)
    return jsparse.BCOO((values.reshape(-1), coords), shape=(batch, n_features))


def model_input(x, n_features):
    """What the network is called on: sparse rows (padded or CSR) as a BCOO
    matrix, anything else as it is."""
    if isinstance(x, CSRRows):
        x = x.padded(None)
    if isinstance(x, tuple):
        return to_bcoo(*x, n_features)
    return x


class CSRRows:
    """Sparse rows on the device in CSR form (``indptr``, ``indices``,
    ``values``; int32, int32, float), as compact as the data: 8 bytes per
    stored entry and 4 per row, where rows padded to ``width`` entries cost
    8 * ``width`` bytes per row. ``width`` (static: part of the compiled
    program's shape) is the padded width of the rows that ``padded`` gathers
    for a batch, so that the network sees exactly the padded rows of
    ``padded_sparse``. A JAX pytree: jitted programs take it as an argument."""

    def __init__(self, indptr, indices, values, width):
        self.indptr, self.indices, self.values = indptr, indices, values
        self.width = width

    def padded(self, rows):
        """Rows ``rows`` (None: all) as padded ``(indices, values)``, each
        (len(rows), width), padded with index 0 and value 0."""
        import jax.numpy as jnp

        if rows is None:
            rows = jnp.arange(self.indptr.shape[0] - 1, dtype=self.indptr.dtype)
        start = self.indptr[rows]
        length = self.indptr[rows + 1] - start
        slot = jnp.arange(self.width, dtype=start.dtype)
        inside = slot[None, :] < length[:, None]
        at = jnp.where(inside, start[:, None] + slot[None, :], 0)
        indices = jnp.where(inside, self.indices[at], 0)
        values = jnp.where(inside, self.values[at], 0)
        return indices, values


def _register_csr_rows():
    from jax import tree_util

    tree_util.register_pytree_node(
        CSRRows,
        lambda x: ((x.indptr, x.indices, x.values), x.width),
        lambda width, arrays: CSRRows(*arrays, width),
    )


def take(X, rows):
    """``X[rows]`` for a dense array, padded sparse rows ``(indices, values)``
    or ``CSRRows`` (whose rows come out padded)."""
    if isinstance(X, CSRRows):
        return X.padded(rows)
    if isinstance(X, tuple):
        return tuple(a[rows] for a in X)
    return X[rows]


_SPARSE_MAX_SKEW = 4  # fall back to densifying when the longest row has more
_SPARSE_MAX_ROW = 1000  # than 4x the mean nonzeros and more than 1000 of them


def padded_width(X):
    """Stored entries per padded row (a power of two), or None when the rows'
    lengths are too uneven for padding to be economical."""
    nnz = np.diff(X.indptr)
    longest = int(nnz.max()) if nnz.size else 0
    mean = float(nnz.mean()) if nnz.size else 0.0
    if longest > _SPARSE_MAX_ROW and longest > _SPARSE_MAX_SKEW * max(mean, 1.0):
        return None
    # A power of two, so that folds of one data set share a compiled program.
    return max(8, 1 << max(0, longest - 1).bit_length())


def padded_sparse(X, width, n_rows=None):
    """Canonical CSR rows as host arrays ``(indices, values)`` (int32, float),
    each (n_rows, width), padded with index 0 and value 0. The only
    temporary is a boolean mask of the slots (one byte per slot)."""
    n = X.shape[0]
    filled = np.arange(width) < np.diff(X.indptr)[:, None]
    indices = np.zeros((n_rows or n, width), dtype=np.int32)
    values = np.zeros((n_rows or n, width), dtype=float_dtype())
    nnz = int(X.indptr[-1])
    indices[:n][filled] = X.indices[:nnz]  # row by row, in CSR order
    values[:n][filled] = X.data[:nnz]
    return indices, values


_INT32_MAX = np.iinfo(np.int32).max


def device_csr(X, width, n_rows=None):
    """Canonical CSR ``X`` as ``CSRRows`` on the device, with empty rows up to
    ``n_rows`` and the stored entries padded to ``row_bucket(nnz)`` (so that
    folds of one data set share a compiled program); None when positions do
    not fit int32. Each array is made once on the host (int32 or float) and
    copied once to the device; the host copy is freed when it is there."""
    n, nnz = X.shape[0], int(X.indptr[-1])
    stored = row_bucket(max(nnz, 1))
    if stored + width > _INT32_MAX:
        return None
    indptr = np.full((n_rows or n) + 1, nnz, dtype=np.int32)
    indptr[: n + 1] = X.indptr
    arrays = [indptr]
    for source, dtype in ((X.indices, np.int32), (X.data, float_dtype())):
        arrays.append(np.zeros(stored, dtype=dtype))
        arrays[-1][:nnz] = source[:nnz]
    return CSRRows(*on_device(arrays), width)


def on_device(arrays):
    """Host ``arrays`` (a list, emptied) copied to the device, the host
    copies freed at once: JAX drops its reference to a copied host buffer
    lazily, at the next garbage collection, which a large array should not
    wait for (each would be held twice meanwhile)."""
    import gc

    import jax

    placed = jax.block_until_ready([jax.device_put(a) for a in arrays])
    large = sum(a.nbytes for a in arrays) > 2**20
    arrays.clear()
    if large:
        gc.collect(0)  # a young-generation pass: well under a millisecond
    return placed


# The kernel rows a sparse product gathers, per prediction chunk: a few MiB
# stay in the CPU's caches (five times faster than 16,384-row chunks).
_SPARSE_GATHER_BYTES = 2**23


def sparse_chunk_rows(X, n_rows, units):
    """Rows per chunk for a loss over sparse rows ``X`` (``CSRRows``) that a
    network multiplies with ``units`` units (inside a compiled program: over
    a whole validation set at once the product would hold rows x width x
    units values): the largest power of two dividing ``n_rows`` whose
    gathered kernel rows stay within ``_SPARSE_GATHER_BYTES``; None for other
    input, or when one chunk holds every row."""
    if not isinstance(X, CSRRows) or not units:
        return None
    gathered = float_dtype().itemsize * X.width * units
    limit = max(1, _SPARSE_GATHER_BYTES // gathered)
    rows = 1
    while rows * 2 <= limit and n_rows % (rows * 2) == 0:
        rows *= 2
    return rows if rows < n_rows else None


def prediction_chunks(X, memory_bytes, *, sparse_units=None):
    """``(n_rows, chunk)`` for consecutive rows of ``X``, each chunk a host
    array padded to its row bucket and at most a quarter of the budget:
    padded sparse rows ``(indices, values)`` when X is sparse and the network
    multiplies sparse input with ``sparse_units`` units (a padded row then
    costs ``width * (2 + sparse_units)`` values: itself and the kernel rows
    its product gathers, at most ``_SPARSE_GATHER_BYTES`` of them per chunk),
    else dense rows, densified straight into the padded array."""
    n = X.shape[0]
    width = None
    if sp.issparse(X) and X.ndim == 2 and sparse_units:
        X = _canonical_csr(X)
        width = padded_width(X)
    if width is None:
        rows = chunk_rows(row_size(X), memory_bytes, minimum=32, maximum=65536)
    else:
        gathered = float_dtype().itemsize * width * sparse_units
        rows = chunk_rows(
            width * (2 + sparse_units), memory_bytes, minimum=32,
            maximum=max(32, _SPARSE_GATHER_BYTES // gathered),
        )  # fmt: skip
    for start in range(0, n, rows):
        part = slice(start, min(n, start + rows))
        size = row_bucket(part.stop - start)
        if width is not None:
            chunk = padded_sparse(X[part], width, size)
        else:
            chunk = padded_dense(X, part, size)
        yield part.stop - start, chunk


def _canonical_csr(X):
    X = sp.csr_matrix(X)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def device_inputs(X, n_rows, memory_bytes, *, sparse_ok):
    """``X`` on the device with zero rows up to ``n_rows``: ``CSRRows`` when X
    is sparse and the network takes them (``sparse_ok``, within the budget),
    else dense when it fits the budget, else None (stream chunks)."""
    if sp.issparse(X) and X.ndim == 2 and sparse_ok:
        X = _canonical_csr(X)
        width = padded_width(X)
        # The rule of the padded layout (an upper bound of the CSR bytes),
        # so that a data set takes the same path as before.
        if width is not None and X.shape[0] <= chunk_rows(2 * width, memory_bytes):
            rows = device_csr(X, width, n_rows)
            if rows is not None:
                return rows
    if fits_in_budget(X, memory_bytes):
        return on_device([padded_dense(X, slice(None), n_rows)])[0]
    return None


def device_targets(Y, w, n_rows):
    """Labels (kept compact: uint8 0/1) and float weights on the device,
    zero-padded."""
    return tuple(
        on_device([pad_rows(Y, n_rows), pad_rows(w, n_rows, dtype=float_dtype())])
    )


def batched_chunk(X, Y, w, rows, per_chunk, batch_size):
    """Densify ``rows`` and lay them out as (per_chunk, batch_size, ...), with
    a 0/1 mask of the real rows."""
    import jax.numpy as jnp

    size = per_chunk * batch_size
    Xc = np.zeros((size,) + X.shape[1:], dtype=float_dtype())
    dense_rows(X, rows, out=Xc[: rows.shape[0]])  # densified in place
    Yc = pad_rows(Y[rows], size)
    Wc = pad_rows(w[rows], size, dtype=float_dtype())
    Mc = pad_rows(np.ones(rows.shape[0], dtype=float_dtype()), size)
    shape = (per_chunk, batch_size)
    return (
        jnp.asarray(Xc.reshape(shape + X.shape[1:])),
        jnp.asarray(Yc.reshape(shape + (Y.shape[1],))),
        jnp.asarray(Wc.reshape(shape)),
        jnp.asarray(Mc.reshape(shape)),
    )


_register_csr_rows()
