"""TorchMelSpectrogram: parity with MelSpectrogram on the CPU path, every X, sklearn manners."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from skaudio import (  # noqa: E402
    BadClipsWarning,
    MelSpectrogram,
    SkaudioError,
    count_clips,
)
from skaudio.nets import CNNClassifier, TorchMelSpectrogram  # noqa: E402

SMALL = dict(n_fft=512, hop_length=256, n_mels=32)
DB_TOL = 1e-3  # float32 FFTs in torch and numpy/scipy round differently


def both(X, **params):
    """(TorchMelSpectrogram on CPU, MelSpectrogram) outputs of the same X."""
    ours = TorchMelSpectrogram(device="cpu", **params).fit_transform(X)
    return ours, MelSpectrogram(**params).fit_transform(X)


@pytest.mark.parametrize("params", [
    {},
    {"n_fft": 1024, "hop_length": 256, "n_mels": 64, "fmin": 50.0, "fmax": 8000.0},
    {"power": 1.0, "top_db": None},
    {"top_db": 40.0, "n_mels": 40},
    {"duration": 2.0, "offset": 0.5, "pad_mode": "wrap", **SMALL},
    {"duration": 4.0, "pad_mode": "reflect", **SMALL},
])
def test_equals_mel_spectrogram_on_generated_music(music_clips, params):
    ours, ref = both(music_clips, **params)
    assert ours.dtype == np.float32
    assert ours.shape == ref.shape
    assert np.max(np.abs(ours - ref)) < DB_TOL


def test_equals_mel_spectrogram_on_more_music(music_like):
    clips = np.stack([music_like(seed=10 + i, bpm=70 + 13 * i, f0=110 * 1.3**i)
                      for i in range(10)])
    ours, ref = both(clips, duration=3.0)
    assert ours.shape == (10, 1, 128, 1 + 66150 // 512)
    assert np.max(np.abs(ours - ref)) < DB_TOL


def test_mel_power_without_db(music_clips):
    ours, ref = both(music_clips, to_db=False, **SMALL)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6 * ref.max())
    assert ours.min() >= 0


def test_equals_mel_spectrogram_on_real_recordings(fsdd_files):
    """8 kHz files, resampled on load to 22050 Hz and padded/cropped to 0.5 s."""
    ours, ref = both(fsdd_files, duration=0.5)
    assert ours.shape == ref.shape == (len(fsdd_files), 1, 128, 1 + 11025 // 512)
    assert np.max(np.abs(ours - ref)) < DB_TOL
    ours, ref = both(fsdd_files, sr=8000, duration=0.5, to_db=False, **SMALL)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6 * ref.max())


def test_same_numbers_for_paths_array_and_list(music_clips, music_files):
    mel = TorchMelSpectrogram(device="cpu", **SMALL)
    from_array = mel.fit_transform(music_clips)
    np.testing.assert_array_equal(mel.fit_transform(music_files), from_array)
    np.testing.assert_array_equal(mel.fit_transform(list(music_clips)), from_array)
    # ragged clips padded to a common duration
    ragged = [music_clips[0][:20000], music_clips[1]]
    mel = TorchMelSpectrogram(device="cpu", duration=3.0, **SMALL)
    padded = np.stack([np.pad(ragged[0], (0, 66150 - 20000)), music_clips[1]])
    np.testing.assert_array_equal(mel.fit_transform(ragged), mel.fit_transform(padded))


def test_batch_size_and_neighbours_do_not_change_a_clip(music_clips):
    outs = [TorchMelSpectrogram(device="cpu", batch_size=b, **SMALL).fit_transform(music_clips)
            for b in (1, 3, None)]
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])
    order = [2, 0, 3, 1]
    np.testing.assert_array_equal(
        TorchMelSpectrogram(device="cpu", **SMALL).fit_transform(music_clips[order]),
        outs[0][order])


def test_device_auto_resolves_at_transform_to_cpu_here(music_clips, monkeypatch):
    import skaudio.nets.frontend as frontend

    real_resolve, asked = frontend.resolve_device, []

    def spy(device):  # records the real answer, computes on the CPU regardless
        asked.append(real_resolve(device))
        return "cpu"

    monkeypatch.setattr(frontend, "resolve_device", spy)
    mel = TorchMelSpectrogram(**SMALL).fit(music_clips[:1])
    assert asked == []  # not at construction or fit
    out = mel.transform(music_clips[:1])
    assert asked == ["cuda" if torch.cuda.is_available() else "cpu"]
    assert mel.get_params()["device"] == "auto" and not hasattr(mel, "device_")
    # resolved again at each transform: a GPU appearing after fit is asked for
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    np.testing.assert_array_equal(mel.transform(music_clips[:1]), out)
    assert asked[1:] == ["cuda"]
    np.testing.assert_array_equal(
        out, TorchMelSpectrogram(device="cpu", **SMALL).fit_transform(music_clips[:1]))


def test_clone_and_get_params():
    mel = TorchMelSpectrogram(sr=8000, n_mels=40, device="cpu", batch_size=4)
    params = mel.get_params()
    assert {"device", "batch_size", "sr", "n_fft", "hop_length", "n_mels", "fmin", "fmax",
            "power", "to_db", "top_db", "duration", "offset", "pad_mode", "n_jobs",
            "on_error"} <= set(params)
    assert set(MelSpectrogram().get_params()) | {"device", "batch_size"} == set(params)
    copy = clone(mel)
    assert copy is not mel and copy.get_params() == params
    assert clone(mel.set_params(batch_size=2)).batch_size == 2


def test_pipeline_with_cnn_classifier_fits(music_clips):
    X = np.concatenate([music_clips, music_clips[:, ::-1].copy()])
    y = np.array(["fwd"] * 4 + ["rev"] * 4)
    pipe = Pipeline([
        ("mel", TorchMelSpectrogram(sr=22050, duration=1.0, **SMALL)),
        ("cnn", CNNClassifier(n_blocks=1, channels=4, max_epochs=2, batch_size=8,
                              random_state=0)),
    ]).fit(X, y)
    assert list(pipe.classes_) == ["fwd", "rev"]
    assert pipe.predict_proba(X).shape == (8, 2)
    assert set(pipe.predict(X)) <= {"fwd", "rev"}


def test_bad_file_gives_nan_tensor_with_on_error_nan(music_files, tmp_path):
    missing = str(tmp_path / "missing.wav")
    mel = TorchMelSpectrogram(device="cpu", duration=1.0, on_error="nan", **SMALL)
    with pytest.warns(BadClipsWarning, match="1 of 5 clips could not be processed") as caught:
        out = mel.fit_transform([music_files[0], missing, *music_files[1:]])
    assert [(b.index, b.name) for b in caught[0].message.bad_clips] == [(1, missing)]
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2, 3, 4]]).all()
    ref = MelSpectrogram(duration=1.0, **SMALL).fit_transform(music_files)
    assert np.max(np.abs(out[[0, 2, 3, 4]] - ref)) < DB_TOL
    with pytest.raises(SkaudioError, match="missing.wav"):
        TorchMelSpectrogram(device="cpu", duration=1.0).fit_transform([missing])


def test_cache_holds_the_waveforms_that_every_mel_setting_shares(music_clips, tmp_path):
    """Per clip only the fixed-length waveform is computed (and cached); the mel is per batch."""
    with count_clips() as first:
        TorchMelSpectrogram(device="cpu", duration=1.0, memory=tmp_path, **SMALL).fit_transform(
            music_clips)
    other = dict(SMALL, n_mels=16, hop_length=128)
    with count_clips() as second:
        cached = TorchMelSpectrogram(device="cpu", duration=1.0, memory=tmp_path,
                                     **other).fit_transform(music_clips)
    assert (first.computed, second.computed, second.cached) == (4, 0, 4)
    np.testing.assert_array_equal(
        cached, TorchMelSpectrogram(device="cpu", duration=1.0, **other).fit_transform(music_clips))
    assert "_map_clips" not in vars(TorchMelSpectrogram)  # the base's hook, no override


def test_flatten_gives_mel_spectrogram_columns(music_clips):
    params = dict(duration=1.0, flatten=True, **SMALL)
    mel = TorchMelSpectrogram(device="cpu", **params).fit(music_clips)
    ref = MelSpectrogram(**params).fit(music_clips)
    assert mel.transform(music_clips).shape == ref.transform(music_clips).shape
    np.testing.assert_array_equal(mel.get_feature_names_out(), ref.get_feature_names_out())


def test_invalid_parameters_are_rejected_in_fit(music_clips):
    with pytest.raises(InvalidParameterError, match="batch_size"):
        TorchMelSpectrogram(batch_size=0).fit(music_clips)
    with pytest.raises(ValueError, match="fmin must be below fmax"):
        TorchMelSpectrogram(fmin=9000.0, fmax=8000.0).fit(music_clips)


def test_import_skaudio_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, skaudio; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


ANY_CLIP_LENGTH = "transform accepts clips of any length, as MelSpectrogram's does"


@parametrize_with_checks(
    [TorchMelSpectrogram(sr=8000, n_fft=64, hop_length=32, n_mels=8, device="cpu"),
     TorchMelSpectrogram(sr=8000, n_fft=64, hop_length=32, n_mels=8, flatten=True,
                         duration=0.01, device="cpu")],
    expected_failed_checks=lambda est: {
        "check_n_features_in_after_fitting": ANY_CLIP_LENGTH,
        "check_transformer_general": ANY_CLIP_LENGTH,
    },
    xfail_strict=True,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
