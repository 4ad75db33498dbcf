"""Input checks both estimators need before scikit-learn's own."""

import numpy as np


def check_rectangular(X, name="X"):
    """Refuse a nested list whose rows differ in length with a clear error
    (NumPy's own speaks of "an inhomogeneous shape").

    Parameters
    ----------
    X : object
        The input as given; only lists and tuples are looked at.
    name : str, default="X"
        How the message names it.

    Examples
    --------
    >>> check_rectangular([[1, 2], [3, 4]])
    >>> check_rectangular([[1, 2], [3]])
    Traceback (most recent call last):
    ...
    ValueError: X must be rectangular: its rows have different lengths (2 and 1).
    """
    if not isinstance(X, (list, tuple)) or not X:
        return
    try:
        np.asarray(X)
    except ValueError:
        lengths = sorted({len(row) for row in X if hasattr(row, "__len__")})
        shown = " and ".join(map(str, lengths[::-1][:2])) if lengths else "unknown"
        raise ValueError(
            f"{name} must be rectangular: its rows have different lengths ({shown})."
        ) from None
