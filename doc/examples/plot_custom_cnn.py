"""
==================================================
A small convolutional network on synthetic images
==================================================

Pass any Keras architecture through the ``model`` parameter. Here a tiny
convolutional network learns which of four kinds of marks appear in 32x32
colour images; an image can contain several marks, or none.
"""

# %%
# Synthetic images
# ----------------
# Each image is dim noise plus, independently with probability 0.4 each, a red
# square, a green square, a blue square and a white horizontal bar, at random
# positions.
import os

# This example imports Keras itself, and Keras picks its backend on first
# import: JAX here, as the estimator would choose, unless KERAS_BACKEND is set.
os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np

LABELS = ["red square", "green square", "blue square", "white bar"]


def make_images(n_images, seed):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 0.3, size=(n_images, 32, 32, 3)).astype("float32")
    Y = (rng.uniform(size=(n_images, len(LABELS))) < 0.4).astype(int)
    for image, present in zip(images, Y, strict=True):
        for channel in np.flatnonzero(present[:3]):
            row, col = rng.integers(0, 32 - 8, size=2)
            image[row : row + 8, col : col + 8, :] = 0.1
            image[row : row + 8, col : col + 8, channel] = 1.0
        if present[3]:
            row = rng.integers(0, 32 - 3)
            image[row : row + 3, 4:28, :] = 1.0
    return images, Y


X_train, Y_train = make_images(500, seed=0)
X_test, Y_test = make_images(200, seed=1)
print(X_train.shape, Y_train.shape)

# %%
# The network
# -----------
# The builder receives the shape of one sample, ``(32, 32, 3)``, and the
# number of labels, and returns an uncompiled Keras model ending in one sigmoid
# per label. It is a top-level function, so the fitted estimator can be
# pickled.
import keras

from sklearn_multilabel_nn import MultiLabelNNClassifier


def small_cnn(input_shape, n_outputs):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu", padding="same")(inputs)
    x = keras.layers.Conv2D(16, 3, strides=2, activation="relu", padding="same")(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    outputs = keras.layers.Dense(n_outputs, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


clf = MultiLabelNNClassifier(
    model=small_cnn, epochs=15, learning_rate_init=0.003, random_state=0
)
clf.fit(X_train, Y_train)
clf.model_.summary()

# %%
# Scores
# ------
# About one image in eight has no mark at all; predicting no label for it is
# right, hence ``zero_division=1`` for the per-sample average.
from sklearn.metrics import classification_report

Y_pred = clf.predict(X_test)
print(classification_report(Y_test, Y_pred, target_names=LABELS, zero_division=1))
print(f"subset accuracy: {clf.score(X_test, Y_test):.3f}")

# %%
# Predictions on test images
# --------------------------
import matplotlib.pyplot as plt

fig, axes = plt.subplots(2, 4, figsize=(9, 6))
for ax, image, truth, pred in zip(
    axes.flat, X_test[:8], Y_test[:8], Y_pred[:8], strict=True
):
    ax.imshow(image)
    ax.set_axis_off()
    short = [name.split()[0] if "square" in name else "bar" for name in LABELS]
    ax.set_title(
        "true: "
        + (", ".join(s for s, t in zip(short, truth, strict=True) if t) or "none")
        + "\npred: "
        + (", ".join(s for s, p in zip(short, pred, strict=True) if p) or "none"),
        fontsize=9,
    )
fig.tight_layout()
