"""
=============================
Tune one threshold per label
=============================

With rare labels the default cut-off of 0.5 misses many positives. This
example looks at each label's F1 score as a function of its threshold, on
out-of-fold probabilities, and then lets
:class:`~sklearn_multilabel_nn.TunedThresholdMultiLabelClassifierCV` choose
the thresholds.
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
fig, ax = plt.subplots(figsize=(6, 4))
for k in range(Y.shape[1]):
    f1 = [f1_score(Y_train[:, k], proba[:, k] >= t, zero_division=0) for t in grid]
    (line,) = ax.plot(grid, f1, label=f"label {k} ({Y_train[:, k].mean():.0%})")
    ax.plot(grid[np.argmax(f1)], max(f1), "o", color=line.get_color())
ax.axvline(0.5, color="grey", linestyle="--", linewidth=1)
ax.set_xlabel("threshold")
ax.set_ylabel("out-of-fold F1")
ax.legend(title="label (share of positives)", fontsize=8)
fig.tight_layout()

# %%
# The curves of the rare labels peak well below 0.5, where the frequent labels
# are nearly flat.
#
# Tuning with cross-validation
# ----------------------------
# :class:`~sklearn_multilabel_nn.TunedThresholdMultiLabelClassifierCV` does the
# same search inside ``fit``, then refits the network on all the training data.
from sklearn_multilabel_nn import TunedThresholdMultiLabelClassifierCV

tuned = TunedThresholdMultiLabelClassifierCV(net, scoring="f1", cv=3).fit(
    X_train, Y_train
)
print("thresholds:", tuned.best_thresholds_.round(2))

# %%
# On the held-out test set, the tuned thresholds raise the F1 score of the
# rare labels, and with them macro F1.
fixed = net.fit(X_train, Y_train)
for name, model in [("threshold 0.5", fixed), ("tuned", tuned)]:
    Y_pred = model.predict(X_test)
    per_label = f1_score(Y_test, Y_pred, average=None, zero_division=0)
    print(
        f"{name:>13}: per-label F1 {per_label.round(2)}, "
        f"macro F1 {per_label.mean():.3f}"
    )
