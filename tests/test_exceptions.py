"""The errors skaudio raises: one root, and the built-in family each belongs to."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.svm import SVC

from skaudio import (
    AudioLoadError,
    AudioValueError,
    BadClipsWarning,
    InvalidInputError,
    LibrosaFeatures,
    SegmentVotingClassifier,
    SkaudioError,
    VotingError,
    load_audio,
)


def test_each_error_is_raised_as_its_class_and_caught_by_its_family(tmp_path):
    # what a caller writes without knowing skaudio still catches each of them
    missing = str(tmp_path / "missing.wav")
    with pytest.raises(OSError, match="missing.wav") as info:
        load_audio(missing)
    assert type(info.value) is AudioLoadError and isinstance(info.value, SkaudioError)

    with pytest.raises(ValueError, match=r"clip\[1\] holds no samples") as info:
        LibrosaFeatures(features=["rms"]).fit_transform([np.ones(2048), np.zeros(0)])
    assert type(info.value) is AudioValueError and isinstance(info.value, SkaudioError)

    with pytest.raises(ValueError, match="wrap it in a list") as info:
        LibrosaFeatures().fit("song.wav")
    assert type(info.value) is InvalidInputError and isinstance(info.value, SkaudioError)

    with pytest.raises(ValueError, match="has no predict_proba") as info:
        SegmentVotingClassifier(SVC(), sr=100).fit(np.ones((2, 400)), [0, 1])
    assert type(info.value) is VotingError and isinstance(info.value, SkaudioError)


def test_the_bad_clips_warning_carries_its_clips_through_pickling():
    X = [np.sin(np.arange(4096) / 7.0), np.zeros(0), np.full(4096, np.nan)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LibrosaFeatures(features=["rms"], on_error="nan").fit_transform(X)
    (warning,) = [w.message for w in caught if isinstance(w.message, BadClipsWarning)]
    assert isinstance(warning, UserWarning)
    assert [(b.index, b.name) for b in warning.bad_clips] == [(1, "clip[1]"), (2, "clip[2]")]
    copy = pickle.loads(pickle.dumps(warning))  # e.g. sent back from a worker process
    assert copy.bad_clips == warning.bad_clips and str(copy) == str(warning)
