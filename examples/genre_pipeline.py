"""Genre classification in one scikit-learn Pipeline, scored two ways.

Generates a small music dataset offline (6 genres, 4 synthetic artists each),
computes the 57 GTZAN features inside a Pipeline, and compares random 5-fold
cross-validation with group (artist) cross-validation: the honest score is
the second one.
"""

from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skaudio import LibrosaFeatures
from skaudio.datasets import make_genres

bunch = make_genres(n_per_class=8, duration=1.5, sr=11025, random_state=0)
X, y, artists = bunch.data, bunch.target, bunch.groups  # waveforms, genres, artist ids

model = Pipeline([
    ("feat", LibrosaFeatures(sr=11025)),  # 57 features per clip
    ("scale", StandardScaler()),
    ("svm", SVC()),
])

random_cv = StratifiedKFold(4, shuffle=True, random_state=0)
artist_cv = StratifiedGroupKFold(4, shuffle=True, random_state=0)
random_scores = cross_val_score(model, X, y, cv=random_cv)
artist_scores = cross_val_score(model, X, y, cv=artist_cv, groups=artists)
print(f"random 4-fold:        {random_scores.mean():.2f}")
print(f"artist-grouped 4-fold: {artist_scores.mean():.2f}  (unseen artists: the honest figure)")
