"""numpydoc validation of the public API, as imbalanced-learn's
``test_docstring_parameters.py`` does.

Every class and function in ``sklearn_multilabel_nn.__all__`` and every public
method the package defines (methods inherited from scikit-learn keep
scikit-learn's docstrings and are not checked) must document exactly the
parameters of its signature (PR01, PR02), in order (PR03), each with a type and
a description, and otherwise follow numpydoc (see ``IGNORED`` for the
exceptions). Importing the public API imports no Keras, so this is fast.
"""

import inspect

import pytest

import sklearn_multilabel_nn

numpydoc_validate = pytest.importorskip("numpydoc.validate")

# numpydoc error codes not enforced, with the reason.
IGNORED = {
    "ES01": "an extended summary is optional; short methods need none",
    "SA01": "a See Also section is optional",
    "SA03": "See Also entries name classes; their descriptions are phrases",
    "SA04": "See Also entries may go without a description",
    "RT02": "Returns entries are written `name : type`, as in scikit-learn",
    "SS05": "summaries may start with 'Return', 'Fit' or a noun phrase",
    "GL01": "summary on the line after the quotes is fine (scikit-learn)",
    "GL02": "scikit-learn ignores it too",
}
# Examples are required of the classes and functions, not of every method.
IGNORED_FOR_METHODS = {"EX01": "methods are shown in their class's Examples"}

# Docstrings in files being rewritten on other branches: expected to fail
# until those rewrites land (then remove the entry; an XPASS shows in -ra).
_REWRITTEN = "docstring being rewritten in parallel"
EXPECTED_FAILURES = {}


def _public_objects():
    """Dotted names of the public classes, functions and package methods."""
    for name in sklearn_multilabel_nn.__all__:
        obj = getattr(sklearn_multilabel_nn, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # __version__, THRESHOLD_SCORINGS
        qualname = f"sklearn_multilabel_nn.{name}"
        yield qualname, False
        if not inspect.isclass(obj):
            continue
        for attr, member in inspect.getmembers(obj):
            if attr.startswith("_") or not callable(member):
                continue
            if isinstance(inspect.getattr_static(obj, attr), property):
                continue
            if not getattr(member, "__module__", "").startswith(
                "sklearn_multilabel_nn"
            ):
                continue  # inherited from scikit-learn
            yield f"{qualname}.{attr}", True


def _params():
    for qualname, is_method in _public_objects():
        marks = []
        if qualname in EXPECTED_FAILURES:
            marks = [pytest.mark.xfail(reason=EXPECTED_FAILURES[qualname])]
        yield pytest.param(qualname, is_method, marks=marks, id=qualname)


PUBLIC = list(_params())


def test_expected_failures_are_public_objects():
    names = {p.values[0] for p in PUBLIC}
    assert set(EXPECTED_FAILURES) <= names


def test_pr01_pr02_are_checked():
    # The parameter checks this test exists for are never ignored.
    assert not {"PR01", "PR02", "PR03", "GL08"} & set(IGNORED)


@pytest.mark.parametrize("qualname, is_method", PUBLIC)
def test_docstring(qualname, is_method):
    result = numpydoc_validate.validate(qualname)
    ignored = {**IGNORED, **(IGNORED_FOR_METHODS if is_method else {})}
    errors = [
        f"{code}: {message}"
        for code, message in result["errors"]
        if code not in ignored
    ]
    assert not errors, f"{qualname} ({result['file']}):\n" + "\n".join(errors)
