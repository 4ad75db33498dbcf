"""
=====================================================
Tag short texts: TF-IDF features and a grid search
=====================================================

A pipeline from raw text to topic tags: a
:class:`~sklearn.feature_extraction.text.TfidfVectorizer` produces a sparse
matrix, which the network takes as it is, and
:class:`~sklearn.model_selection.GridSearchCV` tunes both steps together.
"""

# %%
# A tiny synthetic corpus
# -----------------------
# Each text mixes words from one to three of four topics with filler words.
# The tags are lists of topic names.
import numpy as np

TOPICS = {
    "sport": "match goal team coach league score player season stadium win",
    "politics": "vote election minister party law parliament debate policy",
    "science": "study data experiment research lab theory cell physics",
    "money": "market price bank stock inflation budget tax trade profit",
}
FILLER = "the a of and to in on for with this that new today week report".split()

rng = np.random.default_rng(0)
texts, tags = [], []
for _ in range(600):
    topics = rng.choice(list(TOPICS), size=rng.integers(1, 4), replace=False)
    words = rng.choice(FILLER, size=8).tolist()
    for topic in topics:
        words += rng.choice(TOPICS[topic].split(), size=2).tolist()
    rng.shuffle(words)
    texts.append(" ".join(words))
    tags.append(sorted(topics.tolist()))
print(texts[0], "->", tags[0])

# %%
# scikit-learn's scorers need the indicator form of the tags, so binarize them
# for the search.
from sklearn.preprocessing import MultiLabelBinarizer

binarizer = MultiLabelBinarizer()
Y = binarizer.fit_transform(tags)
print(binarizer.classes_, Y.shape)

# %%
# Pipeline and grid search
# ------------------------
# The TF-IDF matrix is sparse; the network densifies one mini-batch at a time.
# The grid tries log-scaled term counts and two sizes of the hidden layer.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_multilabel_nn import MultiLabelNNClassifier

texts_train, texts_test, Y_train, Y_test = train_test_split(
    texts, Y, test_size=0.25, random_state=0
)
pipe = make_pipeline(
    TfidfVectorizer(),
    MultiLabelNNClassifier(epochs=60, batch_size=32, random_state=0),
)
print(type(pipe[0].fit_transform(texts_train)))
search = GridSearchCV(
    pipe,
    {
        "tfidfvectorizer__sublinear_tf": [False, True],
        "multilabelnnclassifier__hidden_layer_sizes": [(8,), (32,)],
    },
    scoring="f1_samples",
    cv=3,
)
search.fit(texts_train, Y_train)
print("best parameters:", search.best_params_)
print(f"test samples F1: {search.score(texts_test, Y_test):.3f}")

# %%
# Mean cross-validated score of each candidate:
import matplotlib.pyplot as plt

results = search.cv_results_
names = [
    f"sublinear_tf={p['tfidfvectorizer__sublinear_tf']}\n"
    f"hidden={p['multilabelnnclassifier__hidden_layer_sizes']}"
    for p in results["params"]
]
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(names, results["mean_test_score"], xerr=results["std_test_score"])
ax.set_xlabel("samples F1 (3-fold cross-validation)")
ax.set_xlim(0, 1)
fig.tight_layout()

# %%
# Tag new texts
# -------------
# Back from the indicator matrix to topic names with the binarizer.
new = ["the coach said the team will win the league", "bank stock price and tax vote"]
print(binarizer.inverse_transform(search.predict(new)))

# %%
# The estimator also takes the lists of tags directly. Then its ``classes_``
# are the topic names and ``predict`` returns tuples of names, with no
# binarizer in sight (but scikit-learn's scorers cannot score such output,
# hence the binarizer for the search above).
tagger = search.best_estimator_.fit(texts, tags)
print(tagger.classes_)
print(tagger.predict(new))
