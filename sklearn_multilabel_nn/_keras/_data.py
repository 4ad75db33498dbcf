"""Data placement: dense chunks of sparse rows within a memory budget, row
padding to bucket sizes, and sparse rows on the device.

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


def row_bucket(n):
    """``n`` rounded up to a multiple of 64 or of a sixteenth of its power of
    two (at most 12.5 % more rows from 512 on), so that arrays of nearby
    sizes (the folds of a cross-validation, prediction chunks) compile one
    program rather than one each. Padding rows have weight zero."""
    granule = max(64, 1 << max(0, int(n).bit_length() - 4))
    return -(-int(n) // granule) * granule


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


def take(X, rows):
    """``X[rows]`` for a dense array or padded sparse rows ``(indices, values)``."""
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
    """CSR rows as device arrays (indices int32, values float), each
    (n_rows, width), padded with index 0 and value 0."""
    import jax.numpy as jnp

    n = X.shape[0]
    nnz = np.diff(X.indptr)
    rows = np.repeat(np.arange(n), nnz)
    pos = np.arange(X.indptr[-1]) - np.repeat(X.indptr[:-1], nnz)
    indices = np.zeros((n_rows or n, width), dtype=np.int32)
    values = np.zeros((n_rows or n, width), dtype=float_dtype())
    indices[rows, pos] = X.indices
    values[rows, pos] = X.data
    return jnp.asarray(indices), jnp.asarray(values)


def _canonical_csr(X):
    X = sp.csr_matrix(X)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def device_inputs(X, n_rows, memory_bytes, *, sparse_ok):
    """``X`` on the device with zero rows up to ``n_rows``: padded sparse rows
    when X is sparse and the network takes them (``sparse_ok``, within the
    budget), else dense when it fits the budget, else None (stream chunks)."""
    import jax.numpy as jnp

    if sp.issparse(X) and X.ndim == 2 and sparse_ok:
        X = _canonical_csr(X)
        width = padded_width(X)
        if width is not None and X.shape[0] <= chunk_rows(2 * width, memory_bytes):
            return padded_sparse(X, width, n_rows)
    if fits_in_budget(X, memory_bytes):
        return jnp.asarray(pad_rows(dense_rows(X, slice(None)), n_rows))
    return None


def device_targets(Y, w, n_rows):
    """Labels (kept compact) and float weights on the device, zero-padded."""
    import jax.numpy as jnp

    return (
        jnp.asarray(pad_rows(Y, n_rows)),
        jnp.asarray(pad_rows(w, n_rows, dtype=float_dtype())),
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
