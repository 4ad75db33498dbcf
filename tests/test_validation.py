"""Input checks: ragged nested lists get a clear error; 0/1 matrices are told apart."""

import numpy as np
import pytest

from sklearn_multilabel_nn._validation import check_rectangular, only_zeros_and_ones


@pytest.mark.parametrize("X", [[[1, 2], [3, 4]], np.ones((2, 3)), [], "text", None])
def test_rectangular_inputs_pass(X):
    check_rectangular(X)


def test_ragged_rows_are_named():
    with pytest.raises(ValueError, match=r"rectangular.*\(3 and 1\)"):
        check_rectangular([[1, 2, 3], [1]], name="X")


@pytest.mark.parametrize(
    "Y, expected",
    [
        (np.array([[0, 1], [1, 1]], dtype=np.uint8), True),
        (np.array([[0, 1], [1, 2]], dtype=np.uint8), False),
        (np.array([[0, -1]], dtype=np.int8), False),
        (np.array([[0.0, 1.0]]), True),
        (np.array([[0.0, 0.5]]), False),
        (np.array([[True, False]]), True),
        (np.zeros((0, 3), dtype=np.int64), True),
    ],
)
def test_only_zeros_and_ones(Y, expected):
    assert only_zeros_and_ones(Y) is expected
