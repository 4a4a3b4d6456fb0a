"""skaudio's own copies of the librosa helpers on the feature path give librosa's floats.

The feature path imports no librosa module (their numba kernels compile for
15 s on a fresh install, see tests/test_cold_start.py); each copy here is
compared with the librosa function it replaces, on real speech and
generated music.
"""

import librosa
import numpy as np
import pytest

from skaudio.datasets import make_genres
from skaudio.functional import onset_envelope, rhythm_descriptors, spectral_flatness, tempo
from skaudio.functional._filters import (
    chroma_filters,
    fft_frequencies,
    hann_window,
    mel_filters,
    mel_frequencies,
    tempo_frequencies,
)
from skaudio.functional._scaling import amplitude_to_db, normalize, power_to_db
from skaudio.functional.decompose import _stft
from skaudio.functional.families import _delta, frame_features
from skaudio.functional.rhythm import _count_onsets, tempogram
from skaudio.functional.spectral import _pitch_tuning

SR = 22050


def assert_same_floats(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.fixture(scope="module")
def clips(fsdd_files):
    """Two real spoken digits (8 kHz) and a generated music clip (22,050 Hz), with their rates."""
    speech = [(librosa.load(path, sr=None)[0], 8000) for path in fsdd_files[:2]]
    music = make_genres(n_per_class=1, n_classes=2, duration=6.0, random_state=0).data[1]
    return [*speech, (music, SR)]


@pytest.mark.parametrize("sr, n_fft", [(22050, 2048), (8000, 512), (44100, 4096), (16000, 400)])
@pytest.mark.parametrize("n_mels, fmin, fmax", [(128, 0.0, None), (40, 30.0, 3000.0),
                                                (64, 0.0, 4000.0)])
def test_mel_filters_and_frequencies_are_librosas(sr, n_fft, n_mels, fmin, fmax):
    assert_same_floats(fft_frequencies(sr=sr, n_fft=n_fft),
                       librosa.fft_frequencies(sr=sr, n_fft=n_fft))
    top = sr / 2 if fmax is None else fmax
    assert_same_floats(mel_frequencies(n_mels, fmin=fmin, fmax=top),
                       librosa.mel_frequencies(n_mels, fmin=fmin, fmax=top))
    assert_same_floats(mel_filters(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax),
                       librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin,
                                           fmax=fmax))


def test_empty_mel_filters_warn_as_librosas():
    with pytest.warns(UserWarning, match="Empty filters detected"):
        ours = mel_filters(sr=8000, n_fft=128, n_mels=128)
    with pytest.warns(UserWarning, match="Empty filters detected"):
        assert_same_floats(ours, librosa.filters.mel(sr=8000, n_fft=128, n_mels=128))


@pytest.mark.parametrize("sr, n_fft", [(22050, 2048), (8000, 512), (44100, 1024)])
@pytest.mark.parametrize("n_chroma", [12, 24])
@pytest.mark.parametrize("tuning", [0.0, -0.37, 0.12])
def test_chroma_filters_are_librosas(sr, n_fft, n_chroma, tuning):
    assert_same_floats(chroma_filters(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=tuning),
                       librosa.filters.chroma(sr=sr, n_fft=n_fft, n_chroma=n_chroma,
                                              tuning=tuning))


@pytest.mark.parametrize("n", [16, 400, 2048, 344])
def test_hann_window_and_tempo_frequencies_are_librosas(n):
    assert_same_floats(hann_window(n), librosa.filters.get_window("hann", n, fftbins=True))
    assert_same_floats(tempo_frequencies(n, sr=SR, hop_length=512),
                       librosa.tempo_frequencies(n, sr=SR, hop_length=512))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_decibels_and_normalisation_are_librosas(clips, dtype):
    for y, _ in clips:
        S = np.abs(librosa.stft(y.astype(dtype)))
        for top_db in (80.0, 40.0, None):
            assert_same_floats(power_to_db(S**2, top_db=top_db),
                               librosa.power_to_db(S**2, top_db=top_db))
            assert_same_floats(amplitude_to_db(S, top_db=top_db),
                               librosa.amplitude_to_db(S, top_db=top_db))
        S[:, :3] = 0  # silent frames stay as they are
        for norm, axis in [(np.inf, 0), (np.inf, -1), (1, 0), (2, 0), (2, 1)]:
            assert_same_floats(normalize(S, norm=norm, axis=axis),
                               librosa.util.normalize(S, norm=norm, axis=axis))


def test_normalize_rejects_what_librosa_rejects():
    with pytest.raises(ValueError, match="finite"):
        normalize(np.array([1.0, np.nan]), norm=np.inf, axis=0)
    with pytest.raises(ValueError, match="norm must be"):
        normalize(np.array([1.0, 2.0]), norm=-1, axis=0)


def test_pitch_tuning_is_librosas(clips):
    rng = np.random.default_rng(0)
    for y, sr in clips:
        pitches, mags = librosa.piptrack(y=y, sr=sr)
        found = pitches[mags > np.median(mags[mags > 0])]
        for bins_per_octave in (12, 24, 36):
            assert _pitch_tuning(found, bins_per_octave=bins_per_octave) == \
                librosa.pitch_tuning(found, bins_per_octave=bins_per_octave)
    detuned = (440.0 * 2 ** (rng.integers(-24, 24, 200) / 12 + 0.3 / 12)).astype(np.float32)
    assert _pitch_tuning(detuned) == librosa.pitch_tuning(detuned) == pytest.approx(0.3, abs=0.011)
    with pytest.warns(UserWarning, match="empty frequency set"):
        assert librosa.pitch_tuning(np.zeros(3)) == _pitch_tuning(np.zeros(3)) == 0.0


def test_flatness_mfcc_and_tonnetz_are_librosas(clips):
    for y, sr in clips:
        S = np.abs(librosa.stft(y))
        assert_same_floats(spectral_flatness(S), librosa.feature.spectral_flatness(S=S)[0])
        values = frame_features(y, sr=sr, features=["log_mel", "mfcc", "chroma_stft", "tonnetz"],
                                n_mfcc=13)
        assert_same_floats(values["mfcc"],
                           librosa.feature.mfcc(S=values["log_mel"], sr=sr, n_mfcc=13))
        chroma = values["chroma_stft"]
        assert_same_floats(values["tonnetz"], librosa.feature.tonnetz(chroma=chroma, sr=sr))
    with pytest.raises(ValueError, match="no negative"):
        spectral_flatness(-np.ones((4, 2)))


@pytest.mark.parametrize("width_frames", [5, 7, 9, 40])
def test_delta_of_short_and_long_series_is_librosas(width_frames):
    x = np.random.default_rng(1).standard_normal((3, width_frames)).astype(np.float32)
    width = min(9, width_frames if width_frames % 2 else width_frames - 1)
    for order in (1, 2):
        np.testing.assert_allclose(_delta(x, order=order),
                                   librosa.feature.delta(x, width=width, order=order),
                                   rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("aggregate", [np.mean, np.median, np.max])
def test_onset_envelope_is_librosas_to_the_bit(clips, aggregate):
    for y, sr in clips:
        log_mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr))
        assert_same_floats(onset_envelope(log_mel, sr=sr, aggregate=aggregate),
                           librosa.onset.onset_strength(S=log_mel, sr=sr, aggregate=aggregate))
        log_mel[3, 1] = np.nan  # the compiled median leaves NaN to numpy
        assert_same_floats(onset_envelope(log_mel[:, :1], sr=sr, aggregate=aggregate),
                           librosa.onset.onset_strength(S=log_mel[:, :1], sr=sr,
                                                        aggregate=aggregate))
        assert_same_floats(onset_envelope(log_mel, sr=sr, aggregate=aggregate),
                           librosa.onset.onset_strength(S=log_mel, sr=sr, aggregate=aggregate))


def test_tempo_and_onset_count_are_librosas(clips, music_clips):
    signals = [*clips, *((y, SR) for y in music_clips)]
    for y, sr in signals:
        for aggregate in (np.median, np.mean):
            envelope = librosa.onset.onset_strength(y=y, sr=sr, aggregate=aggregate)
            tg = tempogram(envelope, sr=sr)
            for start_bpm, max_tempo in [(120.0, 320.0), (90.0, 200.0)]:
                assert tempo(tg, sr=sr, start_bpm=start_bpm, max_tempo=max_tempo) == \
                    librosa.feature.tempo(tg=tg, sr=sr, start_bpm=start_bpm,
                                          max_tempo=max_tempo)[0]
            for hop_length in (512, 256, 128):
                assert _count_onsets(envelope, sr=sr, hop_length=hop_length) == len(
                    librosa.onset.onset_detect(onset_envelope=envelope, sr=sr,
                                               hop_length=hop_length))
            assert _count_onsets(envelope.astype(np.float64), sr=sr, hop_length=512) == len(
                librosa.onset.onset_detect(onset_envelope=envelope.astype(np.float64), sr=sr))


def test_onset_count_of_random_envelopes_is_librosas():
    """Plateaus, ties and spikes: every branch of librosa's peak picking."""
    rng = np.random.default_rng(0)
    for trial in range(200):
        n = int(rng.integers(1, 300))
        envelope = rng.choice([0.0, 0.1, 0.5, 1.0], n) if trial % 2 else rng.random(n) ** 4
        envelope = envelope.astype(np.float32)
        for sr in (22050, 8000):
            assert _count_onsets(envelope, sr=sr, hop_length=512) == len(
                librosa.onset.onset_detect(onset_envelope=envelope, sr=sr))


def test_rhythm_onset_rate_counts_librosas_onsets(music_clips):
    for y in music_clips:
        envelope = onset_envelope(power_to_db(librosa.feature.melspectrogram(y=y, sr=SR)),
                                  sr=SR, aggregate=np.median)
        onsets = librosa.onset.onset_detect(onset_envelope=envelope, sr=SR)
        rate = rhythm_descriptors(envelope, tempogram(envelope, sr=SR), sr=SR)[2]
        assert rate == len(onsets) / (envelope.size * 512 / SR) > 0


def test_stft_needs_no_librosa_and_is_its_transform(clips):
    for y, _ in clips:
        assert_same_floats(_stft(y, n_fft=2048, hop_length=512), librosa.stft(y))
