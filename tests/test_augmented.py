"""AugmentedClassifier reads its training clips through the shared, counted, parallel path."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier

from skaudio import AugmentedClassifier, SkaudioError, count_clips, load_audio


class Recorder(DummyClassifier):
    """A dummy classifier that keeps the clips it was fitted on."""

    def fit(self, X, y):
        self.X_fit_ = X
        return super().fit(X, y)


def test_training_clips_are_read_once_each_through_map_clips(fsdd_files):
    files, labels = fsdd_files[:4], ["zero", "one"] * 2
    model = AugmentedClassifier(Recorder(), n_copies=2, pitch_shift=None, sr=8000,
                                n_jobs=2, random_state=0)
    with count_clips() as counts:
        model.fit(files, labels)
    assert (counts.computed, counts.failed) == (4, 0)  # the copies are made, not read
    parallel = model.estimator_.X_fit_
    for wave, path in zip(parallel[:4], files, strict=True):
        np.testing.assert_array_equal(wave, load_audio(path, sr=8000))
    serial = clone(model).set_params(n_jobs=None).fit(files, labels).estimator_.X_fit_
    assert len(serial) == len(parallel) == 12
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_a_bad_training_file_is_named(fsdd_files, tmp_path, n_jobs):
    missing = str(tmp_path / "missing.wav")
    model = AugmentedClassifier(Recorder(), pitch_shift=None, sr=8000, n_jobs=n_jobs)
    with pytest.raises(SkaudioError, match="missing.wav"):
        model.fit([fsdd_files[0], missing, fsdd_files[1]], ["a", "b", "a"])
