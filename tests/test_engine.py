"""The training engine: the JAX fast path against Keras model.fit, program
reuse, and the memory budget for sparse input."""

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import tiny_clf
from sklearn import config_context

from sklearn_multilabel_nn._keras import _data, _network, _programs

# isort: split
# Keras only after `_keras` has chosen the backend (JAX unless the user chose).
import keras

needs_jax = pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="the fast path needs the JAX backend"
)


@pytest.mark.slow
@needs_jax
def test_fast_path_and_model_fit_train_the_same_model(multilabel_data):
    X, Y = multilabel_data
    w = np.linspace(0.5, 1.5, len(X))
    params = dict(shuffle=False, epochs=10, batch_size=48)  # last batch is short
    fast = tiny_clf(engine="jax", **params).fit(X, Y, sample_weight=w)
    slow = tiny_clf(engine="keras", **params).fit(X, Y, sample_weight=w)
    np.testing.assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=1e-3)
    np.testing.assert_allclose(
        fast.predict_proba(X), slow.predict_proba(X), rtol=1e-3, atol=1e-4
    )


@pytest.mark.slow
@needs_jax
def test_both_paths_agree_with_dropout_shuffle_and_validation(multilabel_data):
    X, Y = multilabel_data
    params = dict(
        dropout=0.2, epochs=30, early_stopping=True, n_iter_no_change=30,
        pos_weight="balanced",
    )  # fmt: skip
    fast = tiny_clf(engine="jax", **params).fit(X, Y)
    slow = tiny_clf(engine="keras", **params).fit(X, Y)
    for clf in (fast, slow):
        assert len(clf.history_["val_loss"]) == 30
        assert clf.best_epoch_ == int(np.argmin(clf.history_["val_loss"]))
    # Different random streams, same optimisation problem: comparable losses.
    for key in ("loss", "val_loss"):
        a, b = min(fast.history_[key]), min(slow.history_[key])
        assert abs(a - b) < 0.1 * b, (key, a, b)


@needs_jax
def test_programs_are_reused_across_fits(multilabel_data):
    X, Y = multilabel_data
    tiny_clf(random_state=0).fit(X, Y)
    before = len(_programs._PROGRAMS)
    for seed in range(1, 4):
        tiny_clf(random_state=seed).fit(X, Y)
    assert len(_programs._PROGRAMS) == before


def _training_programs():
    return sum(
        p["epochs_with_early_stopping"]._cache_size()
        for p in _programs._PROGRAMS.values()
    )


@needs_jax
@pytest.mark.parametrize("early_stopping", [True, False])
def test_threshold_auto_trains_every_network_through_one_program(
    multilabel_data, early_stopping
):
    # The fold networks train on 2/3 of the rows and, with early stopping,
    # watch the rest; the final network trains on every row and watches
    # nothing. Padded alike (and the final one watching a zero-weight stand-in),
    # all of them run one compiled program.
    import jax

    X, Y = multilabel_data
    jax.clear_caches()
    clf = tiny_clf(
        epochs=3, threshold="auto", threshold_cv=3, early_stopping=early_stopping
    ).fit(X, Y)
    assert _training_programs() == 1
    assert "val_loss" not in clf.history_
    assert len(clf.history_["loss"]) >= 1


def test_training_rows_pad_coarsely_only_when_cheap():
    # Small data pads to a power of two; wide rows or many rows keep the
    # finer buckets, so padding never costs more than 64 MiB.
    assert _data.training_rows(900) == _data.training_rows(1000) == 1024
    assert _data.training_rows(900, at_least=1200) == 2048
    assert _data.training_rows(9000, row_bytes=40) == 16384
    assert _data.training_rows(9000, row_bytes=40_000) == _data.row_bucket(9000)
    assert _data.training_rows(100_000) == _data.row_bucket(100_000)


@needs_jax
def test_a_refit_on_a_few_more_rows_reuses_the_program(multilabel_data):
    # Cross-validation fits on 90 % of the rows, then a refit on all of them:
    # training arrays pad to a power of two, so both run one program.
    import jax

    X, Y = multilabel_data
    n = len(X)
    assert _data.training_rows(int(0.9 * n)) == _data.training_rows(n)
    jax.clear_caches()
    tiny_clf(epochs=2).fit(X[: int(0.9 * n)], Y[: int(0.9 * n)])
    tiny_clf(epochs=2).fit(X, Y)
    assert _training_programs() == 1


@pytest.mark.slow
@needs_jax
def test_folds_of_nearby_sizes_share_one_compiled_epoch(multilabel_data):
    # Cross-validation folds differ by a few rows; padded to one bucket size
    # (the padding never trains), they reuse one program.
    import jax

    X, Y = multilabel_data
    jax.clear_caches()
    for n in (len(X) - 5, len(X) - 2):
        assert _data.row_bucket(n) > n
        tiny_clf(epochs=3).fit(X[:n], Y[:n])
    compiled = [
        p["epochs_with_early_stopping"]._cache_size()
        for p in _programs._PROGRAMS.values()
    ]
    assert sum(compiled) == 1
    # The padding changes nothing: same losses as Keras's unpadded model.fit.
    n = len(X) - 5
    params = dict(epochs=3, shuffle=False)
    padded = tiny_clf(**params).fit(X[:n], Y[:n])
    reference = tiny_clf(engine="keras", **params).fit(X[:n], Y[:n])
    np.testing.assert_allclose(padded.loss_curve_, reference.loss_curve_, rtol=1e-4)


@needs_jax
def test_compiled_shapes_are_bounded_across_many_sizes(multilabel_data, monkeypatch):
    # Every new number of rows compiles a new executable; without a bound a
    # long run of fits on varied sizes grows memory without end.
    X, Y = multilabel_data
    network = tiny_clf(epochs=1).fit(X, Y)._net.logits
    tv = [v.value for v in network.trainable_variables]
    ntv = [v.value for v in network.non_trainable_variables]
    monkeypatch.setattr(_programs, "_MAX_SHAPES", 2)
    held = []
    for n in range(10, 18):
        program = _programs.program(network, None, _programs.NO_OPTIMIZER)
        program["predict"](tv, ntv, X[:n])
        held.append(program["predict"]._cache_size())
    assert max(held) <= 3, held
    assert len(set(held)) > 1  # it filled up and was emptied


@pytest.mark.slow
@needs_jax
def test_sparse_input_is_densified_within_the_budget(multilabel_data, monkeypatch):
    X, Y = multilabel_data
    X_sparse = sp.csr_matrix(np.where(X > 2, X, 0.0))
    largest = []
    original = _data.dense_rows

    def recording(X_part, rows, **kwargs):
        out = original(X_part, rows, **kwargs)
        largest.append(out.nbytes)
        return out

    monkeypatch.setattr(_data, "dense_rows", recording)
    # The densifying path (taken by networks that cannot multiply sparse input).
    monkeypatch.setattr(_network, "sparse_first_layer", lambda model: False)
    # Chunks take a quarter of the budget: here two batches of 32 rows.
    budget_mib = 4 * 2 * 32 * X.shape[1] * 4 / 2**20
    params = dict(shuffle=False, epochs=3, batch_size=32)
    with config_context(working_memory=budget_mib):
        chunked = tiny_clf(**params).fit(X_sparse, Y)
        chunked_proba = chunked.predict_proba(X_sparse)
    assert max(largest) <= budget_mib * 2**20 / 4
    largest.clear()
    whole = tiny_clf(**params).fit(X_sparse, Y)  # fits the default budget
    assert max(largest) == X_sparse.shape[0] * X.shape[1] * 4
    np.testing.assert_allclose(chunked_proba, whole.predict_proba(X_sparse), rtol=1e-4)


@pytest.mark.slow
@needs_jax
def test_sparse_input_trains_without_densifying(multilabel_data, monkeypatch):
    X, Y = multilabel_data
    X_sparse = sp.csr_matrix(np.where(X > 2, X, 0.0))
    padded = []
    original = _data.device_csr

    def recording(X_part, width, n_rows=None):
        padded.append((X_part.shape, width))
        return original(X_part, width, n_rows)

    monkeypatch.setattr(_data, "device_csr", recording)
    params = dict(shuffle=False, epochs=5, batch_size=32)  # last batch is short
    sparse_clf = tiny_clf(**params).fit(X_sparse, Y)
    assert padded and padded[0][0] == X_sparse.shape  # the sparse path was taken
    # Dense X is standardised inside the network (normalize="auto"); sparse is not.
    dense_clf = tiny_clf(**params, normalize=False).fit(X_sparse.toarray(), Y)
    np.testing.assert_allclose(sparse_clf.loss_curve_, dense_clf.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(
        sparse_clf.predict_proba(X_sparse),
        dense_clf.predict_proba(X_sparse.toarray()),
        rtol=1e-4,
        atol=1e-5,
    )
    # With a validation split (early stopping) both sets stay sparse.
    padded.clear()
    params = dict(early_stopping=True, n_iter_no_change=3, epochs=8)
    sparse_clf = tiny_clf(**params).fit(X_sparse, Y)
    assert len(padded) == 2
    dense_clf = tiny_clf(**params, normalize=False).fit(X_sparse.toarray(), Y)
    np.testing.assert_allclose(
        sparse_clf.history_["val_loss"], dense_clf.history_["val_loss"], rtol=1e-5
    )
    np.testing.assert_allclose(
        sparse_clf.predict_proba(X_sparse),
        dense_clf.predict_proba(X_sparse.toarray()),
        rtol=1e-4,
        atol=1e-5,
    )


@pytest.mark.slow
@needs_jax
def test_sparse_batches_reach_the_first_layer_sparse(multilabel_data, monkeypatch):
    # Keras densifies a sparse batch on entry unless the network's input is
    # declared sparse: the default network declares it for sparse X.
    from jax.experimental import sparse as jsparse

    X, Y = multilabel_data
    X_sparse = sp.csr_matrix(np.where(X > 2, X, 0.0))
    densified = []
    original = jsparse.BCOO.todense

    def recording(self):
        densified.append(self.shape)
        return original(self)

    monkeypatch.setattr(jsparse.BCOO, "todense", recording)
    clf = tiny_clf(epochs=2).fit(X_sparse, Y)
    assert clf.model_.inputs[0].sparse
    assert densified == []
    assert not tiny_clf(epochs=1).fit(X, Y).model_.inputs[0].sparse
    # Sparse X is predicted with the sparse product too (float32 rounding
    # differs from the dense product's in the last digits).
    np.testing.assert_allclose(
        clf.predict_proba(X_sparse), clf.predict_proba(X_sparse.toarray()), rtol=1e-5
    )


@needs_jax
def test_sparse_path_needs_a_dense_first_layer():
    inputs = keras.Input((6,))
    dense = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    assert _network.sparse_first_layer(dense)
    x = keras.layers.Dense(3)(inputs)
    both = keras.Model(inputs, keras.layers.Concatenate()([x, inputs]))
    assert not _network.sparse_first_layer(both)
    scaled = keras.Model(
        inputs, keras.layers.Dense(3)(keras.layers.Rescaling(2.0)(inputs))
    )
    assert not _network.sparse_first_layer(scaled)
    rows = np.eye(3000)[:50]
    rows[0] = 1.0  # one row far longer than the others
    assert _data.padded_width(sp.csr_matrix(rows)) is None
    assert _data.padded_width(sp.csr_matrix(rows[1:])) == 8


def _reference_padded(X, width, n_rows):
    """Padded rows built one row at a time from scipy's own row slices."""
    indices = np.zeros((n_rows, width), dtype=np.int32)
    values = np.zeros((n_rows, width), dtype=np.float32)
    for r in range(X.shape[0]):
        row = X[r]
        indices[r, : row.nnz] = row.indices
        values[r, : row.nnz] = row.data
    return indices, values


@needs_jax
def test_sparse_rows_live_on_the_device_as_compact_csr():
    X = sp.random(50, 300, density=0.05, format="csr", random_state=0)
    X.data[X.indptr[3] : X.indptr[4]] = 0.0
    X.eliminate_zeros()  # row 3 is empty
    X.indptr, X.indices = X.indptr.astype(np.int64), X.indices.astype(np.int64)
    width = _data.padded_width(X)
    rows = _data.device_csr(X, width, n_rows=64)
    # int32 positions and float32 values: 8 bytes per stored entry (the nnz
    # rounded up to a bucket), 4 per row; no int64 or float64 copy.
    assert rows.indptr.dtype == rows.indices.dtype == np.int32
    assert rows.values.dtype == np.float32
    assert rows.indices.shape == rows.values.shape == (_data.row_bucket(X.nnz),)
    assert rows.indptr.shape == (65,)
    # A batch is exactly the padded rows (the network's input is unchanged).
    order = np.r_[np.arange(64)[::-1], 3, 3]
    indices, values = rows.padded(np.asarray(order, dtype=np.int32))
    expected = _reference_padded(X, width, 64)
    np.testing.assert_array_equal(np.asarray(indices), expected[0][order])
    np.testing.assert_array_equal(np.asarray(values), expected[1][order])
    padded = _data.padded_sparse(X, width, 64)
    np.testing.assert_array_equal(padded[0], expected[0])
    np.testing.assert_array_equal(padded[1], expected[1])


@needs_jax
def test_sparse_rows_reach_the_device_without_host_temporaries():
    import tracemalloc

    X = sp.random(5_000, 1_000, density=0.01, format="csr", random_state=0)
    n_rows = _data.row_bucket(X.shape[0])
    host = 4 * (n_rows + 1) + 8 * _data.row_bucket(X.nnz)  # the int32/float32 arrays
    _data.device_csr(X[:100], 8, 128)  # JAX's own first-use allocations
    tracemalloc.start()
    try:
        rows = _data.device_csr(X, _data.padded_width(X), n_rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows is not None
    # Each host array is made once (an int64 row index or a float64 copy of
    # the 50,000 entries would add 400 kB).
    assert peak <= host + 2**16, (peak, host)


def test_sparse_prediction_chunks_stay_within_the_budget():
    X = sp.random(5_000, 2_000, density=0.01, format="csr", random_state=0)
    budget, units = 2**22, 64
    width = _data.padded_width(X)
    chunks = list(_data.prediction_chunks(X, budget, sparse_units=units))
    assert sum(n for n, _ in chunks) == X.shape[0]
    for n, (indices, values) in chunks:
        assert indices.dtype == np.int32 and values.dtype == np.float32
        assert indices.shape == (_data.row_bucket(n), width)
        # The rows, and the kernel rows their sparse product gathers.
        assert n * width * (2 + units) * 4 <= budget / 4
    assert len(chunks) > 1


def test_adapted_preprocessing_layers_get_programs_of_their_own():
    # A Normalization keeps its adapted mean and variance outside its weights
    # and config: two adapted on different data look the same to the program
    # cache, and sharing a program would silently use the first one's numbers.
    from sklearn_multilabel_nn import MultiLabelNNClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype("float32")
    Y = (X[:, :2] > 0).astype(int)

    def adapted_on(data):
        def build(input_shape, n_outputs):
            norm = keras.layers.Normalization()
            norm.adapt(data)
            inputs = keras.Input(input_shape)
            outputs = keras.layers.Dense(n_outputs, activation="sigmoid")
            return keras.Model(inputs, outputs(norm(inputs)))

        return build

    for data in (X, X * 100 + 1000):
        clf = MultiLabelNNClassifier(
            model=adapted_on(data), epochs=2, early_stopping=False, random_state=0
        ).fit(data, Y)
        expected = clf.model_.predict(data, verbose=0)
        np.testing.assert_allclose(clf.predict_proba(data), expected, atol=1e-6)


@needs_jax
def test_sparse_validation_loss_is_summed_in_bounded_chunks(monkeypatch):
    # A sparse product gathers a kernel row per stored entry; over a whole
    # validation set at once that is rows x width x units values. In chunks,
    # the validation losses are the same.
    rng = np.random.RandomState(0)
    X = sp.random(600, 300, density=0.05, format="csr", random_state=0)
    Y = (rng.rand(600, 4) < 0.3).astype(int)
    histories = []
    for gather_bytes in (2**40, 2**12):
        monkeypatch.setattr(_data, "_SPARSE_GATHER_BYTES", gather_bytes)
        _programs._PROGRAMS.clear()
        clf = tiny_clf(epochs=4, early_stopping=True, validation_fraction=0.5)
        histories.append(clf.fit(X, Y).history_)
    units = 16  # tiny_clf's hidden layer
    width = _data.padded_width(X[:300])
    assert (
        _data.sparse_chunk_rows(_data.CSRRows(None, None, None, width), 320, units)
        < 320
    )
    np.testing.assert_array_equal(histories[0]["loss"], histories[1]["loss"])
    np.testing.assert_allclose(
        histories[0]["val_loss"], histories[1]["val_loss"], rtol=1e-6
    )
