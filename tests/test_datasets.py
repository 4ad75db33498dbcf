"""Tests for the data readers, on small files written into tmp_path."""

import bz2
import gzip
import sys
import time
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_multilabel_nn.datasets import (
    guess_format,
    load,
    load_arff,
    load_csv,
    load_libsvm,
    load_mulan_xml,
)

DENSE_ARFF = """% a MULAN-style file: labels last
@relation toy
@attribute f1 numeric
@attribute f2 real
@attribute 'f 3' {0,1}
@attribute sports {0,1}
@attribute politics {0,1}

@data
0.5,1.0,1,1,0
1.5,?,0,0,1
2.5,3.0,1,1,1
"""

SPARSE_ARFF = """@relation 'toy: -C -2'
@attribute w1 numeric
@attribute w2 numeric
@attribute w3 numeric
@attribute sports {0,1}
@attribute politics {0,1}
@data
{0 0.5, 3 1}
{1 2.0, 4 1}
{2 1.0, 3 1, 4 1}
{}
"""

MEKA_FIRST_ARFF = """@relation 'meka: -C 2 -split-percentage 67'
@attribute sports {0,1}
@attribute politics {0,1}
@attribute w1 numeric
@attribute w2 numeric
@data
1,0,0.5,1.0
0,1,1.5,2.0
"""

XML = """<?xml version="1.0" encoding="utf-8"?>
<labels xmlns="http://mulan.sourceforge.net/labels">
<label name="sports"></label>
<label name="politics"></label>
</labels>
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


# ----------------------------------------------------------------------- CSV


def test_csv_by_names(tmp_path):
    path = write(tmp_path, "d.csv", "a,x1,b,x2\n1,0.5,0,2\n0,1.5,1,3\n1,2.5,1,4\n")
    data = load_csv(path, label_columns=["a", "b"])
    assert data.data.dtype == np.float64 and data.data.shape == (3, 2)
    np.testing.assert_array_equal(data.data[:, 0], [0.5, 1.5, 2.5])
    assert data.target.dtype == np.int8
    assert data.target.tolist() == [[1, 0], [0, 1], [1, 1]]
    assert data.target_names.tolist() == ["a", "b"]
    assert data.feature_names.tolist() == ["x1", "x2"]
    assert data.filename == str(path)


def test_csv_by_count_tsv_and_feature_columns(tmp_path):
    path = write(tmp_path, "d.tsv", "id\tx1\tx2\tl1\n7\t0.5\t2\t1\n8\t1.5\t3\t0\n")
    X, Y = load_csv(path, 1, feature_columns=["x2", "x1"], return_X_y=True)
    assert X.tolist() == [[2.0, 0.5], [3.0, 1.5]]
    assert Y.tolist() == [[1], [0]]
    X, Y = load_csv(path, [], feature_columns=["x1"], return_X_y=True)
    assert X.shape == (2, 1) and Y.shape == (2, 0)


def test_csv_accepts_booleans_as_labels(tmp_path):
    path = write(tmp_path, "d.csv", "x,l\n1,True\n2,False\n")
    assert load_csv(path, "l").target.tolist() == [[1], [0]]


@pytest.mark.parametrize(
    "text, labels, match",
    [
        ("x,a\n1,0\n", ["b"], r"label column\(s\) 'b' not found"),
        ("x,a\n1,0\n", None, "say which columns are labels"),
        ("x,a\n1,0\n", 2, "at least one feature"),
        ("x,a\nfoo,0\n2,1\n", ["a"], r"feature column 'x' is not numeric.*'foo'"),
        ("x,a\n1,2\n", ["a"], r"label 'a' has value 2 in row 1; labels must be 0"),
        ("x,a\n1,\n", ["a"], "label 'a' has a missing value"),
        ("x,a\n1,yes\n", ["a"], "label column 'a' is not numeric"),
        ("", ["a"], "not a readable CSV"),
        ('x,a\n"1,0\n', ["a"], "not a readable CSV"),
        ("x,x,a\n1,2,0\n", ["a"], "duplicate column"),
    ],
)
def test_csv_malformed(tmp_path, text, labels, match):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(ValueError, match=match) as info:
        load_csv(path, labels)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "text, labels, match",
    [
        # header only: no data rows
        ("x,a\n", ["a"], "a header but no data rows"),
        ("x,a\n\n\n", 1, "a header but no data rows"),
        # a single (label) column: nothing is left for the features
        ("a\n1\n0\n", ["a"], "no feature columns left besides the labels"),
        ("a\n1\n0\n", 1, "cannot take the last 1 of 1 columns"),
        # rows cut short or too long (pandas padded with NaN or used an index)
        ("x,a\n1,0\n2\n", ["a"], r"line 3 has 1 field\(s\), the header has 2"),
        ("x,a\n1,0,3\n", ["a"], r"line 2 has 3 field\(s\), the header has 2"),
        ("x,a\n1_0,1\n", ["a"], r"feature column 'x' is not numeric.*'1_0'"),
    ],
)
def test_csv_refused_with_one_line(tmp_path, text, labels, match):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(ValueError, match=match) as info:
        load_csv(path, labels)
    message = str(info.value)
    assert str(path) in message and "\n" not in message


def test_csv_without_pandas(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    path = write(
        tmp_path,
        "d.csv",
        '\ufeffid,x1,"x 2",a,b\nr1,0.5,NA,1,0\n\nr2,1e3,,False,True\n',
    )
    data = load_csv(path, ["a", "b"], feature_columns=["x1", "x 2"])
    assert data.feature_names.tolist() == ["x1", "x 2"]
    np.testing.assert_array_equal(data.data, [[0.5, np.nan], [1000.0, np.nan]])
    assert data.target.tolist() == [[1, 0], [0, 1]]
    with pytest.raises(ValueError, match=r"feature column 'id' is not numeric"):
        load_csv(path, ["a", "b"])
    gz = tmp_path / "d.tsv.gz"
    gz.write_bytes(gzip.compress(b"x\tl\n1\t1\n2\t0\n"))
    X, Y = load_csv(gz, 1, return_X_y=True)
    assert X.tolist() == [[1.0], [2.0]] and Y.tolist() == [[1], [0]]
    assert "pandas" not in sys.modules or sys.modules["pandas"] is None


def test_missing_file(tmp_path):
    for reader in (load_csv, load_arff, load_libsvm, load, load_mulan_xml):
        with pytest.raises(FileNotFoundError, match="nope"):
            if reader is load_csv:
                reader(tmp_path / "nope.csv", ["a"])
            else:
                reader(tmp_path / "nope.arff")


# ---------------------------------------------------------------------- ARFF


def test_arff_dense_by_count(tmp_path):
    data = load_arff(write(tmp_path, "d.arff", DENSE_ARFF), 2)
    assert isinstance(data.data, np.ndarray)
    assert data.data.shape == (3, 3)
    assert np.isnan(data.data[1, 1])  # '?' feature -> NaN
    assert data.data[:, 2].tolist() == [1, 0, 1]  # nominal {0,1} feature
    assert data.feature_names.tolist() == ["f1", "f2", "f 3"]
    assert data.target_names.tolist() == ["sports", "politics"]
    assert data.target.tolist() == [[1, 0], [0, 1], [1, 1]]


def test_arff_dense_by_names_and_xml(tmp_path):
    path = write(tmp_path, "d.arff", DENSE_ARFF)
    by_name = load_arff(path, ["politics", "sports"])
    assert by_name.target.tolist() == [[0, 1], [1, 0], [1, 1]]
    xml = write(tmp_path, "labels.xml", XML)
    assert load_mulan_xml(xml) == ["sports", "politics"]
    by_xml = load_arff(path, xml=xml)
    assert by_xml.target.tolist() == [[1, 0], [0, 1], [1, 1]]
    # A same-stem XML file beside the ARFF file is found on its own.
    write(tmp_path, "d.xml", XML)
    assert load_arff(path).target_names.tolist() == ["sports", "politics"]


def test_arff_sparse_meka_negative(tmp_path):
    data = load_arff(write(tmp_path, "s.arff", SPARSE_ARFF))
    assert sp.issparse(data.data) and data.data.format == "csr"
    assert data.data.shape == (4, 3)  # the trailing empty row is kept
    assert data.data.toarray().tolist() == [
        [0.5, 0, 0],
        [0, 2.0, 0],
        [0, 0, 1.0],
        [0, 0, 0],
    ]
    assert isinstance(data.target, np.ndarray) and data.target.dtype == np.int8
    assert data.target.tolist() == [[1, 0], [0, 1], [1, 1], [0, 0]]
    assert data.target_names.tolist() == ["sports", "politics"]


def test_arff_meka_positive_and_gzip(tmp_path):
    data = load_arff(write(tmp_path, "m.arff", MEKA_FIRST_ARFF))
    assert data.target_names.tolist() == ["sports", "politics"]
    assert data.feature_names.tolist() == ["w1", "w2"]
    assert data.target.tolist() == [[1, 0], [0, 1]]
    assert data.data.tolist() == [[0.5, 1.0], [1.5, 2.0]]
    gz = tmp_path / "m.arff.gz"
    gz.write_bytes(gzip.compress(MEKA_FIRST_ARFF.encode()))
    assert load(gz).target.tolist() == [[1, 0], [0, 1]]


def test_arff_sparse_nominal_first_value_nonzero(tmp_path):
    # Weka: an omitted nominal value is the first declared one, here '1'.
    text = SPARSE_ARFF.replace(
        "@attribute politics {0,1}", "@attribute politics {1,0}"
    ).replace("{0 0.5, 3 1}", "{0 0.5, 3 1, 4 0}")
    data = load_arff(write(tmp_path, "s.arff", text))
    assert data.target[:, 1].tolist() == [0, 1, 1, 1]
    assert data.target[:, 0].tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize(
    "text, kwargs, match",
    [
        ("@relation x\n@attribute a numeric\n@data\n1\n", {}, "cannot tell which"),
        ("@relation x\n@atribute a numeric\n@data\n1\n", {"labels": 1}, "malformed"),
        ("@relation x\n@attribute a numeric\n@data\n1,2\n", {"labels": 1}, "malformed"),
        ("not arff at all\n", {"labels": 1}, "malformed ARFF"),
        (DENSE_ARFF, {"labels": ["sport"]}, "label.*'sport'.*not attributes"),
        (DENSE_ARFF, {"labels": 5}, "cannot take the last 5 of 5"),
        (
            DENSE_ARFF.replace("0.5,1.0,1,1,0", "0.5,1.0,1,1,?"),
            {"labels": 2},
            "label 'politics' has a missing value in row 1",
        ),
        (
            DENSE_ARFF.replace(
                "@attribute politics {0,1}", "@attribute politics numeric"
            ).replace("1,1,0\n", "1,1,2\n"),
            {"labels": 2},
            "label 'politics' has value 2",
        ),
        (
            "@relation x\n@attribute f {lo,hi}\n@attribute a {0,1}\n@data\nlo,1\n",
            {"labels": 1},
            "'f' is nominal with non-numeric values",
        ),
        (
            DENSE_ARFF.replace("@attribute f2 real", "@attribute f2 string"),
            {"labels": 2},
            "'f2' has type STRING",
        ),
        (DENSE_ARFF.replace("1.5,?", "1.5,abc"), {"labels": 2}, "malformed"),
    ],
)
def test_arff_malformed(tmp_path, text, kwargs, match):
    path = write(tmp_path, "bad.arff", text)
    with pytest.raises(ValueError, match=match) as info:
        load_arff(path, **kwargs)
    assert str(path) in str(info.value)


def test_mulan_xml_malformed(tmp_path):
    arff_path = write(tmp_path, "d.arff", DENSE_ARFF)
    broken = write(tmp_path, "broken.xml", "<labels><label name='a'></labels>")
    with pytest.raises(ValueError, match="not a valid XML"):
        load_arff(arff_path, xml=broken)
    other = write(tmp_path, "other.xml", "<root><item/></root>")
    with pytest.raises(ValueError, match="not a MULAN label file"):
        load_mulan_xml(other)
    unknown = write(tmp_path, "u.xml", XML.replace("politics", "economy"))
    with pytest.raises(ValueError, match="'economy' from the labels of"):
        load_arff(arff_path, xml=unknown)


ARFF_HEAD = (
    "@relation x\n@attribute a numeric\n@attribute b numeric\n"
    "@attribute c {0,1}\n@data\n"
)


@pytest.mark.parametrize(
    "body, match",
    [
        ("1,2,1\n3,4,\n", "line 7 ends with ','"),  # feature would be NaN
        ("1,2,1\n3,\n", "line 7 ends with ','"),
        ("1,2,1\n3,4\n", "line 7"),  # too few values
        ("{0 1, 2 1}\n{0 0.5, 2\n", "line 7"),  # a sparse pair cut short
        ("{0 1, 2 1}\n{0 0.5, 2 1\n", "line 7"),  # no closing brace
        ("{0 1, 2 1}\n{1000000000 1}\n", "line 7"),  # index past the attributes
    ],
)
def test_arff_rows_cut_short(tmp_path, body, match):
    path = write(tmp_path, "cut.arff", ARFF_HEAD + body)
    with pytest.raises(ValueError, match=match) as info:
        load_arff(path, 1)
    assert str(path) in str(info.value) and "malformed ARFF" in str(info.value)


def test_arff_bz2(tmp_path):
    path = tmp_path / "m.arff.bz2"
    path.write_bytes(bz2.compress(MEKA_FIRST_ARFF.encode()))
    assert load_arff(path).target.tolist() == [[1, 0], [0, 1]]


# -------------------------------------------------------------------- LIBSVM


def test_libsvm(tmp_path):
    path = write(tmp_path, "d.svm", "1,3 1:0.5 4:1\n 2:0.25\n2 1:1\n")
    data = load_libsvm(path)
    assert sp.issparse(data.data) and data.data.format == "csr"
    assert data.data.shape == (3, 4)
    assert data.target.dtype == np.int8
    assert data.target.tolist() == [[1, 0, 1], [0, 0, 0], [0, 1, 0]]
    assert data.target_names.tolist() == ["1", "2", "3"]
    X, Y = load_libsvm(path, classes=[0, 1, 2, 3], n_features=6, return_X_y=True)
    assert X.shape == (3, 6) and Y.shape == (3, 4)
    with pytest.raises(ValueError, match=r"label\(s\) \[3\] are not among"):
        load_libsvm(path, classes=[1, 2])


@pytest.mark.parametrize(
    "text, match",
    [
        ("1,3 1:0.5 4:x\n", "malformed LIBSVM"),
        ("@relation x\n", "malformed LIBSVM"),
        ("1.5 1:0.5\n", "non-integer label"),
        (" 1:0.5\n", "no labels"),
        ("1 3:\n", r"line 1: '1 3:' is not 'labels index:value"),
        ("1 3:0.5\n2:0.5 7\n", r"line 2: '2:0.5 7'"),
        ("1 3:0.5\n2 4:0.5 7\n", r"line 2: '2 4:0.5 7'"),
        ("1 3:0.5\n2 4:0.5 7:\n", "line 2"),
        ("1 3:0.5\n2 4:0.5 7:1e\n", "line 2"),
        ("1 3:0.5\n2 -4:0.5\n", "line 2"),
        ("1 3:0.5\n1 100000000000000000000000:1\n", "malformed LIBSVM"),
    ],
)
def test_libsvm_malformed(tmp_path, text, match):
    path = write(tmp_path, "bad.svm", text)
    with pytest.raises(ValueError, match=match) as info:
        load_libsvm(path)
    assert str(path) in str(info.value)


def test_libsvm_comments_qid_and_xz(tmp_path):
    import lzma

    text = b"# header\n1,2 qid:3 1:0.5 2:-1e-3 # c\n\n2 3:inf\r\n"
    path = tmp_path / "d.svm.xz"
    path.write_bytes(lzma.compress(text))
    X, Y = load_libsvm(path, return_X_y=True)
    assert X.shape == (2, 3) and Y.tolist() == [[1, 1], [0, 1]]


def test_libsvm_huge_index_is_cheap(tmp_path):
    # A 30-byte file claiming 10**9 columns (one string per column used to be
    # built: tens of GB and minutes): refused at once, with the line.
    import sklearn.datasets  # noqa: F401  (imports are not the reader's cost)
    import sklearn.preprocessing  # noqa: F401
    import sklearn.utils  # noqa: F401

    path = write(tmp_path, "big.svm", "1 3:0.5\n2 1000000000:1\n")
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=r"index 1000000000 \(line 2\)"):
            load_libsvm(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6 and time.perf_counter() - start < 10
    # A file may claim 2**22 columns; a caller may ask for up to 2**31 - 1.
    wide = write(tmp_path, "wide.svm", f"1 {2**22 + 1}:1\n")
    with pytest.raises(ValueError, match=r"more than the 4194304 a file may claim"):
        load_libsvm(wide)
    with pytest.raises(ValueError, match=r"n_features=4294967296 is not in"):
        load_libsvm(path, n_features=2**32)


# ------------------------------------------------------------------ dispatch


def test_load_dispatch(tmp_path):
    csv = write(tmp_path, "d.csv", "x,a\n1,0\n2,1\n")
    assert load(csv, ["a"]).target.tolist() == [[0], [1]]
    assert load(csv, 1, return_X_y=True)[0].tolist() == [[1.0], [2.0]]
    arff_path = write(tmp_path, "d.arff", DENSE_ARFF)
    assert load(arff_path, 2).target.shape == (3, 2)
    svm = write(tmp_path, "d.libsvm", "1 1:1\n2 2:1\n")
    assert load(svm).target.shape == (2, 2)
    assert load(write(tmp_path, "d.txt", "1 1:1\n"), format="libsvm").data.shape == (
        1,
        1,
    )
    assert guess_format("a/b.CSV") == "csv"
    with pytest.raises(ValueError, match="cannot tell the format"):
        load(write(tmp_path, "d.dat", "1 1:1\n"))
    with pytest.raises(ValueError, match="only goes with ARFF"):
        load(csv, ["a"], xml="labels.xml")
    with pytest.raises(ValueError, match="unknown format"):
        load(csv, format="parquet")


@pytest.mark.slow
def test_default_data_matches_generator():
    from sklearn.datasets import make_multilabel_classification

    from sklearn_multilabel_nn.datasets import _load_default

    X, Y = _load_default()
    X_ref, Y_ref = make_multilabel_classification(
        n_samples=1000, n_features=10, n_classes=3, n_labels=2, random_state=1
    )
    assert X.dtype == X_ref.dtype and Y.dtype == Y_ref.dtype
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref)
