"""Pick the Keras backend before keras is imported (see ``.._backend``).

``import sklearn_multilabel_nn`` already did; calling it again is harmless.
"""

from .._backend import choose_backend

choose_backend()
