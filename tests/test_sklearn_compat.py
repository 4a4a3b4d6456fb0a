"""The private scikit-learn names skaudio relies on, imported in one place."""

import numpy as np
import pytest

from skaudio import LibrosaFeatures, RawWaveform, _sklearn_compat


def test_every_private_name_still_imports():
    for name in _sklearn_compat.__all__:
        assert callable(getattr(_sklearn_compat, name)), name


def test_the_compat_names_do_their_job():
    # fit_context validates parameters through the constraints
    with pytest.raises(ValueError, match="n_fft"):
        LibrosaFeatures(n_fft=0).fit(np.zeros((1, 4096)))
    # output_config reads set_output
    wave = RawWaveform(duration=0.01, flatten=True).set_output(transform="pandas")
    assert _sklearn_compat.output_config(wave) == "pandas"
    assert _sklearn_compat.output_config(RawWaveform()) == "default"


def test_take_indexes_lists_arrays_and_frames():
    import pandas as pd

    index = np.array([2, 0])
    assert _sklearn_compat.take(["a", "b", "c"], index) == ["c", "a"]
    np.testing.assert_array_equal(_sklearn_compat.take(np.arange(6).reshape(3, 2), index),
                                  [[4, 5], [0, 1]])
    frame = pd.DataFrame({"path": ["a", "b", "c"]}, index=[10, 11, 12])
    assert list(_sklearn_compat.take(frame, index)["path"]) == ["c", "a"]
