"""What the estimator hands to the engine: a network handle and one frozen
training configuration (instead of a long keyword list per engine)."""

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass
class Network:
    """A Keras model as the engine trains and predicts with it.

    ``model`` is what the user sees (``model_``); ``logits`` is the view the
    engine runs (the model itself, or the model up to its final sigmoid
    layer, so the loss sees exact logits); ``from_logits`` says which of the
    two ``logits`` outputs. ``optimizer`` is the Keras optimizer built on the
    trainable variables, kept between ``partial_fit`` calls.
    """

    model: Any
    logits: Any
    from_logits: bool
    optimizer: Any = field(default=None, repr=False)


@dataclass(frozen=True)
class TrainingConfig:
    """How one network is trained (the same for both engines).

    ``memory_bytes`` bounds the dense data made at once from sparse input
    (the estimator passes scikit-learn's ``working_memory``).

    ``rows_like`` and ``validation_rows_like`` ask the engine to train
    through the compiled program of a run on that many rows, validated on
    that many (0: no such run): the training arrays are padded as for
    ``rows_like`` rows and, without a validation set, a zero-weight one of
    ``validation_rows_like`` rows is watched and ignored. The fold networks
    of ``threshold="auto"`` and its final network share a program so.
    """

    epochs: int
    batch_size: int
    shuffle: bool = True
    early_stopping: bool = False
    n_iter_no_change: int = 10
    tol: float = 1e-4
    seed: int = 0
    verbose: int = 0
    engine: str = "auto"
    memory_bytes: float = 2**30
    rows_like: int = 0
    validation_rows_like: int = 0

    def replace(self, **changes):
        return replace(self, **changes)
