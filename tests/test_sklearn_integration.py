"""The estimator inside scikit-learn's tools: pipelines, searches, CV."""

import numpy as np
import pytest
from conftest import tiny_clf
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    RepeatedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def test_clone_keeps_parameters_only(fitted_clf):
    copy = clone(fitted_clf)
    assert copy.get_params() == fitted_clf.get_params()
    assert not hasattr(copy, "model_")


def test_pipeline_with_scaler(multilabel_data):
    X, Y = multilabel_data
    pipe = make_pipeline(StandardScaler(), tiny_clf()).fit(X, Y)
    assert pipe.predict(X).shape == Y.shape
    assert pipe.score(X, Y) > 0.3


@pytest.mark.slow
def test_grid_search_in_parallel(multilabel_data):
    X, Y = multilabel_data
    search = GridSearchCV(
        make_pipeline(StandardScaler(), tiny_clf(epochs=5)),
        {"multilabelnnclassifier__hidden_layer_sizes": [(8,), (16,)]},
        cv=2,
        n_jobs=2,
        scoring="f1_micro",
        error_score="raise",
    ).fit(X, Y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.predict(X).shape == Y.shape


@pytest.mark.slow
def test_randomized_search_in_parallel(multilabel_data):
    X, Y = multilabel_data
    search = RandomizedSearchCV(
        tiny_clf(epochs=5),
        {"learning_rate_init": loguniform(1e-3, 1e-1), "threshold": [0.3, 0.5]},
        n_iter=3,
        cv=2,
        n_jobs=2,
        random_state=0,
        error_score="raise",
    ).fit(X, Y)
    assert len(search.cv_results_["params"]) == 3


def test_cross_validate_with_multilabel_scorers(multilabel_data):
    X, Y = multilabel_data
    scoring = ["accuracy", "f1_micro", "f1_macro", "f1_samples", "jaccard_samples",
               "roc_auc", "average_precision"]  # fmt: skip
    result = cross_validate(tiny_clf(), X, Y, cv=KFold(3), scoring=scoring,
                            error_score="raise")  # fmt: skip
    for name in scoring:
        values = result[f"test_{name}"]
        assert values.shape == (3,) and np.all((values >= 0) & (values <= 1))
    assert result["test_roc_auc"].mean() > 0.7


def test_repeated_kfold(multilabel_data):
    X, Y = multilabel_data
    cv = RepeatedKFold(n_splits=2, n_repeats=2, random_state=0)
    scores = cross_val_score(tiny_clf(), X, Y, cv=cv, scoring="f1_micro")
    assert scores.shape == (4,) and scores.mean() > 0.5


@pytest.mark.slow
def test_grid_search_on_a_dask_cluster(multilabel_data):
    distributed = pytest.importorskip("dask.distributed")
    import joblib

    X, Y = multilabel_data
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        search = GridSearchCV(
            tiny_clf(epochs=3), {"hidden_layer_sizes": [(4,), (8,)]}, cv=2,
            error_score="raise",
        )  # fmt: skip
        with joblib.parallel_backend("dask"):
            search.fit(X, Y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
