"""The early-stopping rule, written once as a pure function.

MLPClassifier's rule on the validation loss: an epoch is the best so far when
its loss is lower than every earlier one; training stops after ``patience``
epochs without an improvement larger than ``tol``. The state is
``(best, best_epoch, wait)``; ``where`` is ``np.where`` on the host and
``jnp.where`` inside a compiled loop, so both engines apply the same rule.
"""

import numpy as np


def initial_state():
    """The state before the first epoch."""
    return (np.inf, 0, 0)


def update(state, epoch, value, *, tol, patience, where=np.where):
    """Fold one epoch's validation loss into the state.

    Returns ``(state, is_best, stop)``.
    """
    best, best_epoch, wait = state
    is_best = value < best
    wait = where(value < best - tol, 0, wait + 1)
    state = (where(is_best, value, best), where(is_best, epoch, best_epoch), wait)
    return state, is_best, wait >= patience
