"""
=============================
Tune one threshold per label
=============================

With rare labels the default cut-off of 0.5 misses many positives. This
example looks at each label's F1 score as a function of its threshold, on
out-of-fold probabilities, and then uses the best threshold of each label.
"""

# %%
# Data with two rare labels
# -------------------------
import numpy as np
from sklearn.datasets import make_multilabel_classification
from sklearn.model_selection import train_test_split

X, Y = make_multilabel_classification(
    n_samples=1500, n_features=20, n_classes=5, n_labels=1, random_state=6
)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
print("share of positives per label:", Y_train.mean(axis=0).round(3))

# %%
# F1 against the threshold, per label
# -----------------------------------
# Out-of-fold probabilities from :func:`~sklearn.model_selection.cross_val_predict`
# stand in for unseen data: each row is scored by a network that did not train
# on it.
import matplotlib.pyplot as plt
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_multilabel_nn import MultiLabelNNClassifier

net = make_pipeline(
    StandardScaler(),
    MultiLabelNNClassifier(
        hidden_layer_sizes=(32,), epochs=40, batch_size=64, random_state=0
    ),
)
proba = cross_val_predict(net, X_train, Y_train, cv=3, method="predict_proba")

grid = np.linspace(0.02, 0.98, 49)
n_labels = Y.shape[1]
curves = np.array(
    [
        [f1_score(Y_train[:, k], proba[:, k] >= t, zero_division=0) for t in grid]
        for k in range(n_labels)
    ]
)
best_thresholds = grid[np.argmax(curves, axis=1)]

fig, ax = plt.subplots(figsize=(7.5, 4))
for k, curve in enumerate(curves):
    (line,) = ax.plot(grid, curve, label=f"label {k} ({Y_train[:, k].mean():.0%})")
    ax.plot(best_thresholds[k], curve.max(), "o", color=line.get_color())
ax.axvline(0.5, color="grey", linestyle="--", linewidth=1)
ax.set_xlabel("threshold")
ax.set_ylabel("out-of-fold F1")
ax.legend(title="label (positives)", loc="center left", bbox_to_anchor=(1, 0.5))
fig.tight_layout()

# %%
# The curves of the rare labels (3 and 4) peak well below 0.5; those of the
# frequent labels are flat around their peak.
#
# Use the tuned thresholds
# ------------------------
# Take each label's best threshold on the out-of-fold probabilities, fit the
# network on all the training data, and set the thresholds: ``predict`` reads
# ``threshold`` when it is called, so this needs no refit.
print("thresholds:", best_thresholds.round(2))

net.fit(X_train, Y_train)
clf = net[-1]
for name, threshold in [("threshold 0.5", 0.5), ("tuned", best_thresholds)]:
    clf.set_params(threshold=threshold)
    per_label = f1_score(Y_test, net.predict(X_test), average=None, zero_division=0)
    print(
        f"{name:>13}: per-label F1 {per_label.round(2)}, "
        f"macro F1 {per_label.mean():.3f}"
    )

# %%
# On the held-out test set, the tuned thresholds raise the F1 score of the rare
# labels, and with them macro F1.
