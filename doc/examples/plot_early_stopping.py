"""
===========================================
Training curves and early stopping
===========================================

``history_`` records the loss of every epoch. With ``early_stopping=True`` (the
default) a share of the training data is held out, its loss is recorded too,
training stops once that validation loss has stopped improving, and the
network keeps the weights of its best epoch.
"""

# %%
# A network large enough to overfit
# ---------------------------------
# 300 samples, 40 features of which most are noise, and two wide hidden layers
# without dropout: the training loss keeps falling long after the validation
# loss has turned. ``n_iter_no_change=30`` lets it run on for a while to show
# this; the default of 10 stops sooner.
from sklearn.datasets import make_multilabel_classification
from sklearn.preprocessing import StandardScaler

from sklearn_multilabel_nn import MultiLabelNNClassifier

X, Y = make_multilabel_classification(
    n_samples=300, n_features=40, n_classes=4, n_labels=2, random_state=0
)
X = StandardScaler().fit_transform(X)

clf = MultiLabelNNClassifier(
    hidden_layer_sizes=(128, 128),
    dropout=0.0,
    epochs=300,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=30,
    random_state=0,
).fit(X, Y)
n_epochs = len(clf.history_["loss"])
best = clf.best_epoch_ + 1  # best_epoch_ counts from 0
print(f"ran {n_epochs} of 300 epochs; best validation loss after epoch {best}")

# %%
# The curves
# ----------
# Training stops ``n_iter_no_change`` epochs after the best validation loss.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
epochs = range(1, n_epochs + 1)
ax.plot(epochs, clf.history_["loss"], label="training loss")
ax.plot(epochs, clf.history_["val_loss"], label="validation loss")
ax.axvline(best, color="grey", linestyle="--", label="best epoch (weights kept)")
ax.set_xlabel("epoch")
ax.set_ylabel("binary cross-entropy")
ax.legend()
fig.tight_layout()

# %%
# Add ``alpha`` (an L2 penalty) or ``dropout`` to fight the overfitting itself;
# early stopping only stops it from getting worse.
