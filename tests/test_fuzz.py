"""Fuzzing every transformer with hypothesis: odd lengths, amplitudes, dtypes, NaN/inf.

The contract: a finite waveform gives a finite output of the documented shape;
a waveform holding NaN or inf gives a ``SkaudioError`` naming the clip (or,
with ``on_error="nan"``, a row of NaN). Nothing else may escape.
"""

import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skaudio import SkaudioError
from skaudio.functional import FAMILIES, STATS

# Beyond the registry's cheap settings (tests/conftest.py): every feature family and
# statistic, and windows shorter than many drawn clips, so that cropping is fuzzed as
# well as padding.
COVERAGE = {
    "LibrosaFeatures": dict(features=list(FAMILIES), n_fft=512, hop_length=256, n_mfcc=4,
                            n_mels=32, stats=list(STATS)),
    "MelSpectrogram": dict(duration=0.5),
    "TorchMelSpectrogram": dict(duration=0.5),
    "RawWaveform": dict(duration=0.5),
    "RawWaveform-rms": dict(duration=0.25),
}


@pytest.fixture(scope="module")
def fuzzed(make_transformer):
    """``fuzzed(name, **params)``: a registered transformer with the settings above."""
    return lambda name, **params: make_transformer(name, **{**COVERAGE.get(name, {}), **params})


FUZZ = settings(max_examples=30, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Realistic audio spans float [-1, 1], int16 and int32 PCM read raw (~2e9);
# 1e12 leaves a wide margin. Beyond ~1e17 float32 powers overflow: see
# test_huge_finite_amplitudes_are_handled.
AMPLITUDES = st.sampled_from([0.0, 1e-30, 1e-12, 1e-6, 1e-3, 1.0, 30.0, 32767.0, 2.0**31, 1e12])


@st.composite
def waveforms(draw, *, allow_non_finite):
    """A 1-D waveform: noise, a tone, a constant or clicks, in some dtype."""
    n = draw(st.integers(1, 20000))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int16]))
    shape = draw(st.sampled_from(["noise", "tone", "constant", "clicks"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if shape == "noise":
        y = rng.standard_normal(n)
    elif shape == "tone":
        y = np.sin(2 * np.pi * draw(st.floats(20, 11000)) * np.arange(n) / 22050)
    elif shape == "constant":
        y = np.full(n, draw(st.sampled_from([-1.0, 0.0, 0.5, 1.0])))
    else:
        y = np.zeros(n)
        y[rng.integers(0, n, size=max(1, n // 1000))] = 1.0
    if dtype is np.int16:
        y = np.round(np.clip(y, -1, 1) * draw(st.sampled_from([0, 1, 100, 32767])))
    else:
        y = y * draw(AMPLITUDES)
    y = y.astype(dtype)
    if allow_non_finite and dtype is not np.int16 and draw(st.booleans()):
        y = y.copy()
        where = rng.integers(0, n, size=draw(st.integers(1, min(n, 5))))
        y[where] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    return y


def non_finite(transformer, clips):
    """Clips with NaN/inf inside the analysed window, and clips with some only outside."""
    params = transformer.get_params()  # features read at most max_duration, tensors duration
    duration = params["max_duration"] if "max_duration" in params else params.get("duration")
    window = None if duration is None else int(round(duration * transformer.sr))
    bad, unseen = [], []
    for i, clip in enumerate(clips):
        finite = np.isfinite(clip.astype(np.float32))
        if not finite[:window].all():
            bad.append(i)
        elif not finite.all():
            unseen.append(i)
    return bad, unseen


@FUZZ
@given(clip=waveforms(allow_non_finite=False))
def test_finite_waveform_gives_finite_output(transformer_name, fuzzed, clip):
    transformer = fuzzed(transformer_name)
    out = transformer.fit_transform([clip])
    assert out.shape == (1, *transformer.fit_transform([np.zeros(4000)]).shape[1:])
    if out.ndim == 2:  # a feature row: one value per named column
        assert out.shape[1] == len(transformer.get_feature_names_out())
    assert np.isfinite(out).all(), (clip.dtype, clip.size, np.abs(clip).max())


@FUZZ
@given(clips=st.lists(waveforms(allow_non_finite=True), min_size=1, max_size=3))
def test_only_the_documented_error(transformer_name, fuzzed, clips):
    transformer = fuzzed(transformer_name)
    bad, unseen = non_finite(transformer, clips)
    if bad:
        with pytest.raises(SkaudioError, match=rf"clip\[{bad[0]}\].*NaN or infinite"):
            transformer.fit_transform(clips)
    elif unseen:  # NaN only outside the analysed window: an error is not required
        try:
            out = transformer.fit_transform(clips)
        except SkaudioError as exc:  # allowed, but then the documented error
            which = "|".join(map(str, unseen))
            assert re.search(rf"clip\[({which})\].*NaN or infinite", str(exc)), str(exc)
            return
        assert np.isfinite(out).all()
    else:
        out = transformer.fit_transform(clips)
        assert out.shape[0] == len(clips) and np.isfinite(out).all()


@FUZZ
@given(clips=st.lists(waveforms(allow_non_finite=True), min_size=1, max_size=3))
def test_on_error_nan_marks_exactly_the_bad_clips(transformer_name, fuzzed, clips):
    transformer = fuzzed(transformer_name, on_error="nan")
    bad, unseen = non_finite(transformer, clips)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = transformer.fit_transform(clips)
    ours = [w for w in caught if "could not be processed" in str(w.message)]
    assert len(ours) == (1 if bad else 0)
    assert [b.index for w in ours for b in w.message.bad_clips] == bad
    flat = out.reshape(len(clips), -1)
    for i in range(len(clips)):
        assert (np.isnan(flat[i]).all() if i in bad else np.isfinite(flat[i]).all())


@pytest.mark.parametrize("name", ["LibrosaFeatures", "MelSpectrogram", "TorchMelSpectrogram"])
def test_huge_finite_amplitudes_are_handled(fuzzed, name):
    clip = (1e20 * np.sin(np.arange(4000) / 5.0)).astype(np.float32)
    try:
        out = fuzzed(name).fit_transform([clip])
    except SkaudioError as exc:  # acceptable only with a remedy
        assert "normali" in str(exc), str(exc)
    else:
        assert np.isfinite(out).all()


@pytest.mark.parametrize("name", ["RawWaveform", "RawWaveform-rms"])
def test_raw_waveform_keeps_huge_finite_amplitudes_finite(fuzzed, name):
    clip = (1e30 * np.sin(np.arange(4000) / 5.0)).astype(np.float32)
    assert np.isfinite(fuzzed(name).fit_transform([clip])).all()
