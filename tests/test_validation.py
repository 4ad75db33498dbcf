"""check_rectangular: ragged nested lists get a clear error."""

import numpy as np
import pytest

from sklearn_multilabel_nn._validation import check_rectangular


@pytest.mark.parametrize("X", [[[1, 2], [3, 4]], np.ones((2, 3)), [], "text", None])
def test_rectangular_inputs_pass(X):
    check_rectangular(X)


def test_ragged_rows_are_named():
    with pytest.raises(ValueError, match=r"rectangular.*\(3 and 1\)"):
        check_rectangular([[1, 2, 3], [1]], name="X")
