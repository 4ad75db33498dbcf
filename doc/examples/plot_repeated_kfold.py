"""
==========================================================
Evaluate with repeated k-fold and predict on new rows
==========================================================

A synthetic multi-label problem with three labels, a small network with one
hidden layer of 20 units, and repeated k-fold cross-validation to see how much
the scores vary from split to split. At the end the network is fitted on all
the data and predicts the labels of a new row.
"""

# %%
# The data
# --------
# :func:`~sklearn.datasets.make_multilabel_classification` gives 1000 samples
# with 10 count features and 3 labels; a sample has two labels on average,
# and some have none.
from sklearn.datasets import make_multilabel_classification

X, y = make_multilabel_classification(
    n_samples=1000, n_features=10, n_classes=3, n_labels=2, random_state=1
)
print(X.shape, y.shape)
print("label frequencies:", y.mean(axis=0))
print("first rows of y:\n", y[:3])

# %%
# Repeated k-fold evaluation
# --------------------------
# Stratification is not defined for multi-label targets, so the folds are plain
# :class:`~sklearn.model_selection.KFold` splits, repeated with different
# shuffles. Five folds repeated twice keep this example quick; ten folds
# repeated three times give a steadier estimate.
#
# About 15 % of the rows have no label. A row with no true and no predicted
# label is predicted right, so the samples-averaged F1 counts it as 1
# (``zero_division=1``; the default would count it as 0, with a warning).
import numpy as np
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import RepeatedKFold, cross_validate

from sklearn_multilabel_nn import MultiLabelNNClassifier

clf = MultiLabelNNClassifier(hidden_layer_sizes=(20,), epochs=100, random_state=1)
cv = RepeatedKFold(n_splits=5, n_repeats=2, random_state=1)
scoring = {
    "subset accuracy": "accuracy",
    "samples F1": make_scorer(f1_score, average="samples", zero_division=1),
    "macro F1": "f1_macro",
}
scores = cross_validate(clf, X, y, cv=cv, scoring=scoring)
for name in scoring:
    values = scores[f"test_{name}"]
    print(f"{name:>15}: {np.mean(values):.3f} +/- {np.std(values):.3f}")

# %%
# The subset accuracy is the share of rows whose three labels are all right;
# the F1 scores give partial credit. See the user guide chapter on evaluation
# for what each of them rewards.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 3))
ax.boxplot([scores[f"test_{name}"] for name in scoring], orientation="horizontal")
ax.set_yticks(range(1, len(scoring) + 1), labels=list(scoring))
ax.set_xlabel("score on the held-out fold")
ax.set_title(f"{cv.get_n_splits()} folds of repeated k-fold")
fig.tight_layout()

# %%
# Predict on a new row
# --------------------
# Fit on all the data, then ask for the labels and the per-label probabilities
# of a new sample. The probabilities are independent: they need not sum to one.
clf.fit(X, y)
row = [[3, 3, 6, 7, 8, 2, 11, 11, 1, 3]]
print("predicted labels:", clf.predict(row))
print("probabilities:   ", clf.predict_proba(row).round(3))
