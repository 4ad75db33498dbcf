"""``python -m sklearn_multilabel_nn``: see :mod:`sklearn_multilabel_nn._cli`."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
