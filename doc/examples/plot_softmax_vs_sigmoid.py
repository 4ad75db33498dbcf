"""
==========================================
Softmax or sigmoid outputs for five labels
==========================================

Why a multi-label network needs one sigmoid per label rather than a softmax
layer. First on five raw scores, then with two networks trained on the same
five-label problem.
"""

# %%
# Five scores, two likely labels
# ------------------------------
# Softmax makes the labels compete for one unit of probability: the two likely
# labels split it. Sigmoid scores each label on its own.
import os

# This example imports Keras itself, and Keras picks its backend on first
# import: JAX here, as the estimator would choose, unless KERAS_BACKEND is set.
os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np

z = np.array([-1.0, 5.0, -0.5, 5.0, -0.5])
softmax = np.exp(z) / np.exp(z).sum()
sigmoid = 1 / (1 + np.exp(-z))
print("softmax:", softmax.round(3), "sum =", softmax.sum().round(3))
print("sigmoid:", sigmoid.round(3), "sum =", sigmoid.sum().round(3))

# %%
# Two networks on a five-label problem
# ------------------------------------
# The sigmoid network is :class:`~sklearn_multilabel_nn.MultiLabelNNClassifier`.
# For the softmax network we build the same architecture in Keras with a
# softmax output and categorical cross-entropy, training on the multi-hot rows
# divided by their sums, which is the best a softmax can aim for.
import keras
from sklearn.datasets import make_multilabel_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_multilabel_nn import MultiLabelNNClassifier

X, Y = make_multilabel_classification(
    n_samples=1000,
    n_features=20,
    n_classes=5,
    n_labels=2,
    allow_unlabeled=False,
    random_state=0,
)
X = StandardScaler().fit_transform(X)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
print("labels per sample in the test set:", np.bincount(Y_test.sum(axis=1)))

sigmoid_net = MultiLabelNNClassifier(
    hidden_layer_sizes=(32,), epochs=50, random_state=0
).fit(X_train, Y_train)
proba_sigmoid = sigmoid_net.predict_proba(X_test)

keras.utils.set_random_seed(0)  # makes this plain Keras model repeatable
softmax_net = keras.Sequential(
    [
        keras.Input(shape=(X.shape[1],)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(5, activation="softmax"),
    ]
)
softmax_net.compile(optimizer="adam", loss="categorical_crossentropy")
targets = Y_train / Y_train.sum(axis=1, keepdims=True)
softmax_net.fit(X_train, targets, epochs=50, batch_size=32, verbose=0)
proba_softmax = softmax_net.predict(X_test, verbose=0)

# %%
# Thresholded at 0.5
# ------------------
# A softmax output can exceed 0.5 for at most one label, so it can never
# predict two labels at once; the sigmoid network can.
from sklearn.metrics import f1_score, hamming_loss

for name, proba in [("softmax", proba_softmax), ("sigmoid", proba_sigmoid)]:
    Y_pred = (proba >= 0.5).astype(int)
    print(
        f"{name}: labels predicted per sample {np.bincount(Y_pred.sum(axis=1))}, "
        f"Hamming loss {hamming_loss(Y_test, Y_pred):.3f}, "
        f"samples F1 {f1_score(Y_test, Y_pred, average='samples'):.3f}"
    )


# %%
# Ranking is not the problem. Told the right number of labels of each sample
# (a top-k rule, which needs information a real model does not have when it
# predicts), both networks do about equally well: softmax orders the labels
# fine, it just cannot say how many of them are present.
def top_k_f1(proba, Y_true):
    Y_top = np.zeros_like(Y_true)
    for i, order in enumerate(np.argsort(-proba, axis=1)):
        Y_top[i, order[: Y_true[i].sum()]] = 1
    return f1_score(Y_true, Y_top, average="samples")


for name, proba in [("softmax", proba_softmax), ("sigmoid", proba_sigmoid)]:
    score = top_k_f1(proba, Y_test)
    print(f"{name} with the true number of labels: samples F1 {score:.3f}")

# %%
# What the outputs look like
# --------------------------
# Test samples with two or three labels: softmax spreads its mass over the
# present labels, sigmoid gives each a high probability of its own.
import matplotlib.pyplot as plt

rows = np.flatnonzero(Y_test.sum(axis=1) >= 2)[:4]
fig, axes = plt.subplots(1, len(rows), figsize=(10, 3), sharey=True)
labels = np.arange(Y.shape[1])
for ax, i in zip(axes, rows, strict=True):
    ax.bar(labels - 0.2, proba_softmax[i], width=0.4, label="softmax")
    ax.bar(labels + 0.2, proba_sigmoid[i], width=0.4, label="sigmoid")
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_xticks(labels, [f"{k}*" if Y_test[i, k] else str(k) for k in labels])
    ax.set_title(f"test sample {i}")
axes[0].set_ylabel("probability")
axes[0].legend(loc="upper left")
fig.supxlabel("label (* = present)")
fig.tight_layout()
