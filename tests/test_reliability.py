"""Bad audio through every public transformer: a clear error, or finite values.

Each bad input either raises a ``SkaudioError`` naming the file (or clip) and
the remedy, or gives finite, documented values. With ``on_error="nan"``
nothing is lost: each bad clip gives a row of NaN, every good row is the row
the clip gives alone, and one ``BadClipsWarning`` lists the bad clips and
carries (index, name, reason) for each; ``transform`` sets no attribute.

``load_audio`` on its own is covered by ``test_io.py``; the degenerate
waveforms of ``LibrosaFeatures`` (silence, DC, one sample, NaN lists) by
``test_features.py``. Here the same inputs go through the transformers.
"""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import soundfile as sf
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skaudio import AudioLoadError, BadClipsWarning, SkaudioError, count_clips
from skaudio.exceptions import InvalidInputError

SR = 22050

# A message must suggest what to do; one of these phrases says it.
REMEDY = (r"check the path|pass the files|re-download|Re-encode|leave it out|remove it|"
          r"repair|clean the audio|on_error='nan'|change the window|pass duration=|"
          r"pass max_duration=")


def tone(seconds=1.0, sr=SR, f0=440.0, channels=1):
    t = np.arange(int(seconds * sr)) / sr
    y = 0.5 * np.sin(2 * np.pi * f0 * t)
    if channels == 1:
        return y
    return np.stack([y * (k + 1) / channels for k in range(channels)], axis=1)


def _random_bytes(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def _truncated_header(p):
    p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")


def _header_lies(p):
    sf.write(p, tone(2.0, 8000), 8000)
    p.write_bytes(p.read_bytes()[:44])  # the header promises 2 s; no samples follow


def _zero_length(p):
    sf.write(p, np.zeros(0), SR)  # a valid wav header and zero frames


def _one_hertz(p):
    # 4 KB that would resample to 44.1 M samples at 22050 Hz (4.3 GB of features)
    sf.write(p, 0.1 * np.ones(2000), 1, subtype="PCM_16")


# name -> (file name, how to make it)
BAD_FILES = {
    "missing": ("missing.wav", lambda p: None),
    "directory": ("folder.wav", lambda p: p.mkdir()),
    "empty": ("empty.wav", lambda p: p.write_bytes(b"")),
    "non-audio": ("text.wav", lambda p: p.write_bytes(b"GIF89a not audio at all" * 50)),
    "truncated-header": ("truncated.wav", _truncated_header),
    "header-lies": ("lies.wav", _header_lies),
    "mp3-random-bytes": ("noise.mp3", lambda p: p.write_bytes(_random_bytes(5000))),
    "mp3-id3-garbage": ("tagged.mp3", lambda p: p.write_bytes(
        b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(16) + b"\xff\xfb\x90\x00"
        + _random_bytes(5000, seed=1))),
    "zero-length-audio": ("zero.wav", _zero_length),
    "one-hertz-header": ("bomb.wav", _one_hertz),
    "gigahertz-header": ("fast.wav", lambda p: sf.write(p, np.ones(2000), 10**9)),
}
# These messages say what is wrong ("holds no samples: the file is empty or
# truncated") but suggest no remedy; reported to the lead (skaudio/io.py).
def bad_file(tmp_path, case):
    name, make_it = BAD_FILES[case]
    path = tmp_path / name
    make_it(path)
    return str(path)


# --------------------------------------------------------------------------
# bad files: a SkaudioError naming the file and the remedy
# --------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_raises_naming_file_and_remedy(tmp_path, transformer_name, case, make_transformer,
                                                pcm_files):
    good = pcm_files[:1]
    bad = bad_file(tmp_path, case)
    transformer = make_transformer(transformer_name)
    with pytest.raises(SkaudioError) as info:
        transformer.fit(good).transform([good[0], bad])
    message = str(info.value)
    assert bad in message
    assert _has_remedy(message), message


def _has_remedy(message):
    import re

    return re.search(REMEDY, message, flags=re.IGNORECASE) is not None


def test_zero_length_file_message_suggests_a_remedy(tmp_path):
    from skaudio import load_audio

    with pytest.raises(AudioLoadError) as info:
        load_audio(bad_file(tmp_path, "zero-length-audio"))
    assert _has_remedy(str(info.value)), str(info.value)


# --------------------------------------------------------------------------
# nothing lost: on_error="nan"
# --------------------------------------------------------------------------

@pytest.mark.parametrize("n_jobs", [1, 2])
def test_on_error_nan_loses_nothing(tmp_path, transformer_name, n_jobs, make_transformer,
                                    pcm_files):
    goods = pcm_files[:3]
    bads = {case: bad_file(tmp_path, case) for case in
            ["missing", "non-audio", "mp3-id3-garbage", "zero-length-audio", "directory"]}
    X = [goods[0], bads["missing"], goods[1], bads["non-audio"], bads["mp3-id3-garbage"],
         goods[2], bads["zero-length-audio"], bads["directory"]]
    bad_index = [1, 3, 4, 6, 7]
    transformer = make_transformer(transformer_name, on_error="nan", n_jobs=n_jobs).fit(goods)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = transformer.transform(X)
    ours = [w for w in caught if issubclass(w.category, BadClipsWarning)]
    assert len(ours) == 1, [str(w.message) for w in caught]
    assert "could not be processed" in str(ours[0].message)
    for i in bad_index:
        assert X[i] in str(ours[0].message)

    assert out.shape[0] == len(X)
    alone = make_transformer(transformer_name).fit(goods)
    for i, x in enumerate(X):
        if i in bad_index:
            assert np.isnan(out[i]).all()
        else:
            np.testing.assert_array_equal(out[i], alone.transform([x])[0])

    bad_clips = ours[0].message.bad_clips
    assert not hasattr(transformer, "bad_clips_")  # transform sets nothing
    assert [b.index for b in bad_clips] == bad_index
    assert [b.name for b in bad_clips] == [X[i] for i in bad_index]
    assert all(b.reason and X[b.index] in b.reason for b in bad_clips)


def test_on_error_nan_on_waveforms(transformer_name, make_transformer, music_like):
    clips = [music_like(duration=1.0, seed=0), np.array([0.1, np.nan] * 2000),
             np.array([], dtype=np.float32), music_like(duration=1.0, seed=1),
             np.array([np.inf] * 3000)]
    transformer = make_transformer(transformer_name, on_error="nan")
    with count_clips() as counts, pytest.warns(
            BadClipsWarning, match=r"3 of 5 clips(.|\n)*clip\[1\](.|\n)*clip\[2\]"):
        out = transformer.fit_transform(clips)
    assert [b.index for b in counts.bad_clips] == [1, 2, 4]
    assert [b.name for b in counts.bad_clips] == ["clip[1]", "clip[2]", "clip[4]"]
    assert np.isnan(out[[1, 2, 4]]).all()
    alone = make_transformer(transformer_name).fit_transform([clips[3]])
    np.testing.assert_array_equal(out[3], alone[0])


def test_on_error_nan_clean_batch_has_no_bad_clips(transformer_name, make_transformer, music_like):
    transformer = make_transformer(transformer_name, on_error="nan")
    with count_clips() as counts, warnings.catch_warnings():
        warnings.simplefilter("error")
        out = transformer.fit_transform([music_like(duration=1.0, seed=3)])
    assert counts.bad_clips == []
    assert np.isfinite(out).all()


def test_on_error_raise_is_the_default(transformer_name, make_transformer):
    assert make_transformer(transformer_name).get_params()["on_error"] == "raise"


# --------------------------------------------------------------------------
# bad waveforms
# --------------------------------------------------------------------------

@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_raise_naming_the_clip(transformer_name, value, make_transformer,
                                                  music_like):
    clips = [music_like(duration=0.5, seed=0), music_like(duration=0.5, seed=1)]
    clips[1][100] = value
    transformer = make_transformer(transformer_name).fit([clips[0]])
    with pytest.raises(SkaudioError, match=r"clip\[1\].*NaN or infinite") as info:
        transformer.transform(clips)  # list of equal-length arrays
    assert _has_remedy(str(info.value))
    with pytest.raises(SkaudioError, match=r"clip\[1\]"):
        transformer.transform(np.stack(clips))  # 2-D array


@pytest.mark.parametrize("case", ["nan-sample", "no-samples"])
def test_fit_on_bad_2d_array_raises_skaudio_error(transformer_name, case, make_transformer,
                                                  music_like):
    if case == "nan-sample":
        X = np.stack([music_like(duration=0.5, seed=0), music_like(duration=0.5, seed=1)])
        X[1, 100] = np.nan
        match = r"clip\[1\].*NaN or infinite"
    else:
        X = np.zeros((3, 0))
        match = r"at least one sample per clip"
    with pytest.raises(SkaudioError, match=match):
        make_transformer(transformer_name).fit(X)


def test_zero_length_waveform_raises(transformer_name, make_transformer):
    with pytest.raises(SkaudioError, match=r"clip\[1\] holds no samples"):
        make_transformer(transformer_name).fit_transform([np.ones(2048), np.zeros(0)])


@pytest.mark.parametrize("clip", [
    np.zeros(SR), np.full(SR, 0.5), np.full(SR, -1.0), np.zeros(10), np.array([0.3]),
], ids=["silence", "dc", "negative-full-scale-dc", "shorter-than-a-frame", "one-sample"])
def test_degenerate_clips_give_finite_values(tensor_transformer_name, clip, make_transformer):
    out = make_transformer(tensor_transformer_name).fit_transform(clip[None])
    assert np.isfinite(out).all()


# --------------------------------------------------------------------------
# formats, channels, rates, paths: same numbers as the loaded waveform
# --------------------------------------------------------------------------

FORMATS = [("PCM_U8", "wav"), ("PCM_16", "wav"), ("PCM_24", "wav"), ("FLOAT", "wav"),
           ("PCM_16", "flac")]


def test_formats_channels_and_rates_match_the_loaded_waveform(tmp_path, transformer_name,
                                                              make_transformer):
    from skaudio import load_audio

    paths = []
    for subtype, ext in FORMATS:
        paths.append(tmp_path / f"tone_{subtype}.{ext}")
        sf.write(paths[-1], tone(0.5, 16000), 16000, subtype=subtype)
    for channels in (2, 6):
        paths.append(tmp_path / f"ch{channels}.wav")
        sf.write(paths[-1], tone(0.5, 22050, channels=channels), 22050, subtype="FLOAT")
    for rate in (8000, 11025, 44100, 48000, 96000):
        paths.append(tmp_path / f"rate{rate}.wav")
        sf.write(paths[-1], tone(0.5, rate), rate, subtype="PCM_16")
    paths.append(tmp_path / "chanson é 音楽 🎵.wav")
    sf.write(paths[-1], tone(0.5), SR)

    transformer = make_transformer(transformer_name).fit([str(p) for p in paths])
    from_paths = transformer.transform([str(p) for p in paths])
    from_waves = transformer.transform([load_audio(p, sr=SR) for p in paths])
    assert from_paths.shape[0] == len(paths)
    assert np.isfinite(from_paths).all()
    np.testing.assert_array_equal(from_paths, from_waves)


def test_stereo_file_is_its_channel_mean(tmp_path, transformer_name, make_transformer):
    path = tmp_path / "stereo.wav"
    data = tone(0.5, channels=2)
    sf.write(path, data, SR, subtype="FLOAT")
    transformer = make_transformer(transformer_name).fit([str(path)])
    np.testing.assert_allclose(transformer.transform([str(path)]),
                               transformer.transform([data.mean(axis=1)]), rtol=1e-5,
                               atol=1e-6)


def test_unicode_and_pathlike_paths(tmp_path, transformer_name, make_transformer):
    folder = tmp_path / "répertoire ünïcödé 音楽"
    folder.mkdir()
    path = folder / "piste n°1 – été.flac"
    sf.write(path, tone(0.5), SR)
    transformer = make_transformer(transformer_name)
    out = transformer.fit_transform([path])  # a PathLike
    np.testing.assert_array_equal(out, transformer.transform([str(path)]))
    missing = folder / "absente é.wav"
    with pytest.raises(SkaudioError, match="absente é.wav"):
        transformer.transform([missing])


# --------------------------------------------------------------------------
# kinds of X
# --------------------------------------------------------------------------

@pytest.mark.parametrize("X", [
    ["a.wav", np.zeros(100)],
    [np.zeros(100), "a.wav"],
], ids=["path-then-array", "array-then-path"])
def test_mixed_paths_and_arrays_raise(transformer_name, X, make_transformer):
    transformer = make_transformer(transformer_name)
    with pytest.raises(InvalidInputError, match="mixes file paths and waveforms"):
        transformer.fit(X)
    transformer.fit(np.zeros((1, 4096)))
    with pytest.raises(InvalidInputError, match="mixes file paths and waveforms"):
        transformer.transform(X)


@pytest.mark.parametrize("X, match", [
    ("song.wav", "single path"),
    (np.zeros(100), "2-D"),
    ([], "no clips"),
    ([np.zeros((2, 100))], "1-D"),
    ([["a", "b"]], "1-D"),
], ids=["one-path", "one-waveform", "empty", "2-d-item", "nested-strings"])
def test_malformed_x_raises_invalid_input(transformer_name, X, match, make_transformer, music_like):
    with pytest.raises(SkaudioError, match=match):
        make_transformer(transformer_name).fit_transform(X)


# --------------------------------------------------------------------------
# labels in a Pipeline with SVC
# --------------------------------------------------------------------------

def table(make_transformer, name):
    """The transformer ``name`` giving a 2-D table, as SVC needs."""
    return make_transformer(name, **({} if name == "LibrosaFeatures" else {"flatten": True}))


def _clips(music_like, n):
    return np.stack([music_like(duration=0.5, seed=i, f0=150 * 1.3**(i % 3), bpm=100 + 20 * i)
                     for i in range(n)])


@pytest.mark.parametrize("labels", [
    np.array(["rock", "jazz", "rock", "jazz", "pop", "pop"]),
    np.array([3, 7, 3, 7, 11, 11]),
    np.array(["rock", "jazz", "rock", "jazz", "rock", "blues"]),  # one clip of blues
], ids=["strings", "ints", "a-class-with-one-clip"])
def test_labels_in_a_pipeline_with_svc(transformer_name, labels, make_transformer, music_like):
    X = _clips(music_like, len(labels))
    model = make_pipeline(table(make_transformer, transformer_name), StandardScaler(), SVC())
    model.fit(X, labels)
    predicted = model.predict(X)
    assert predicted.dtype == labels.dtype
    assert set(predicted) <= set(labels)
    np.testing.assert_array_equal(model.classes_, np.unique(labels))


def test_a_single_class_gives_a_clear_error(transformer_name, make_transformer, music_like):
    model = make_pipeline(table(make_transformer, transformer_name), SVC())
    with pytest.raises(ValueError, match="classes has to be greater than one"):
        model.fit(_clips(music_like, 3), ["rock"] * 3)


# --------------------------------------------------------------------------
# the meta-estimator: SegmentVotingClassifier
# --------------------------------------------------------------------------

def voting(**params):
    from skaudio import LibrosaFeatures, SegmentVotingClassifier

    features = LibrosaFeatures(features=["rms", "zero_crossing_rate", "spectral_centroid"])
    inner = make_pipeline(features, StandardScaler(), SVC())
    return SegmentVotingClassifier(inner, segment_duration=0.25, voting="hard", **params)


@pytest.mark.parametrize("case", ["missing", "directory", "non-audio", "mp3-id3-garbage",
                                  "zero-length-audio"])
def test_voting_bad_file_raises_naming_it(tmp_path, case, pcm_files):
    goods = pcm_files[:2]
    bad = bad_file(tmp_path, case)
    with pytest.raises(SkaudioError) as info:
        voting().fit([goods[0], bad], ["a", "b"])
    assert bad in str(info.value)
    model = voting().fit(goods, ["a", "b"])
    with pytest.raises(SkaudioError) as info:
        model.predict([goods[1], bad])
    assert bad in str(info.value)


def test_voting_clip_shorter_than_one_segment(tmp_path, music_like):
    X = [music_like(duration=1.0, seed=0), music_like(duration=1.0, seed=1),
         music_like(duration=0.1, seed=2)]  # 0.1 s < one 0.25 s segment
    model = voting().fit(X, ["a", "b", "a"])
    assert model.predict(X).shape == (3,)
    with pytest.raises(SkaudioError, match=r"clip\[2\].*shorter than one segment"
                                           r".*short_clips='pad'"):
        voting(short_clips="raise").fit(X, ["a", "b", "a"])
    shorter_than_a_frame = [np.full(5, 0.1), music_like(duration=0.5, seed=3)]
    assert model.predict(shorter_than_a_frame).shape == (2,)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_voting_non_finite_samples_raise_naming_the_clip(value, music_like):
    X = [music_like(duration=0.5, seed=0), music_like(duration=0.5, seed=1)]
    X[1][10] = value
    with pytest.raises(SkaudioError, match=r"clip\[1\].*NaN or infinite"):
        voting().fit(X, ["a", "b"])


def test_voting_mixed_x_raises():
    with pytest.raises(InvalidInputError, match="mixes file paths and waveforms"):
        voting().fit(["a.wav", np.zeros(8000)], ["a", "b"])


@pytest.mark.parametrize("labels", [
    np.array(["rock", "jazz", "rock", "jazz"]),
    np.array([3, 7, 3, 7]),
    np.array(["rock", "rock", "rock", "blues"]),  # one clip of blues
], ids=["strings", "ints", "a-class-with-one-clip"])
def test_voting_labels(labels, music_like):
    X = [music_like(duration=0.75, seed=i, f0=150 * 1.5**i) for i in range(len(labels))]
    model = voting().fit(X, labels)
    predicted = model.predict(X)
    assert predicted.dtype == labels.dtype and set(predicted) <= set(labels)
    np.testing.assert_array_equal(model.classes_, np.unique(labels))


def test_voting_single_class_gives_a_clear_error(music_like):
    X = [music_like(duration=0.5, seed=i) for i in range(3)]
    with pytest.raises(ValueError, match="classes has to be greater than one"):
        voting().fit(X, ["rock"] * 3)


# --------------------------------------------------------------------------
# a 10-minute file: memory stays bounded
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ten_minutes(tmp_path_factory):
    """A 10-minute 44.1 kHz stereo file and a 22.05 kHz mono one (16-bit)."""
    folder = tmp_path_factory.mktemp("long")
    rng = np.random.default_rng(0)
    paths = {}
    for key, rate, channels in [("cd", 44100, 2), ("mono", SR, 1)]:
        paths[key] = str(folder / f"ten_minutes_{key}.wav")
        with sf.SoundFile(paths[key], "w", rate, channels, "PCM_16") as f:
            for _ in range(60):  # written 10 s at a time
                f.write((0.1 * rng.standard_normal((rate * 10, channels))).astype(np.float32))
    return paths


PEAK_RSS_SCRIPT = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from skaudio import LibrosaFeatures
    features = None if sys.argv[2] == "all" else sys.argv[2].split(",")
    duration = None if sys.argv[3] == "none" else float(sys.argv[3])
    transformer = LibrosaFeatures(features=features, max_duration=duration)
    transformer.fit_transform(np.random.default_rng(0).random((1, 22050)))  # warm up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = transformer.transform([sys.argv[1]])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert np.isfinite(out).all()
    print((after - before) / 1024)  # ru_maxrss is in KiB on Linux
""")


def peak_rss_growth_mb(path, features, duration):
    result = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SCRIPT, path, features, duration],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return float(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units differ off Linux")
def test_ten_minute_file_with_a_window_reads_only_the_window(ten_minutes):
    # GTZAN-style use: the first 30 s of a long CD-quality track, all 57 features.
    growth = peak_rss_growth_mb(ten_minutes["cd"], "all", "30")
    assert growth < 150, f"peak RSS grew by {growth:.0f} MB"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units differ off Linux")
def test_ten_minute_file_whole_stays_bounded(ten_minutes):
    # The decoded waveform is 53 MB (600 s x 22050 Hz x float32); librosa's rms
    # frames it into an (n_fft, n_frames) copy 4x that size, so ~300 MB is
    # the measured peak: linear in the length, no blow-up.
    growth = peak_rss_growth_mb(ten_minutes["mono"], "rms,zero_crossing_rate", "none")
    assert growth < 400, f"peak RSS grew by {growth:.0f} MB"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units differ off Linux")
def test_ten_minute_cd_file_decodes_in_blocks(ten_minutes):
    # 10 min of 44.1 kHz stereo: decoded whole, mixed down and then resampled
    # it took 212 + 106 + 53 MB; block by block, only the 53 MB output grows
    script = textwrap.dedent("""
        import resource, sys
        from skaudio import load_audio
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        y = load_audio(sys.argv[1])
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(y.nbytes / 2**20, (after - before) / 1024)
    """)
    run = subprocess.run([sys.executable, "-c", script, ten_minutes["cd"]],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    output_mb, growth_mb = (float(v) for v in run.stdout.split())
    assert 50 < output_mb < 51
    assert growth_mb < output_mb + 30, f"peak RSS grew by {growth_mb:.0f} MB"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units differ off Linux")
def test_four_kilobyte_bomb_is_refused_fast_in_bounded_memory(tmp_path):
    bomb = str(tmp_path / "bomb.wav")
    _one_hertz(tmp_path / "bomb.wav")
    script = textwrap.dedent("""
        import resource, sys, time
        import numpy as np
        from skaudio import AudioLoadError, LibrosaFeatures
        transformer = LibrosaFeatures().fit(np.random.default_rng(0).random((1, 22050)))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        try:
            transformer.transform([sys.argv[1]])
        except AudioLoadError as exc:
            assert "1 Hz" in str(exc), exc
        else:
            raise AssertionError("no error")
        seconds = time.perf_counter() - start
        print(seconds, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
    """)
    run = subprocess.run([sys.executable, "-c", script, bomb], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seconds, growth_mb = (float(v) for v in run.stdout.split())
    assert seconds < 1 and growth_mb < 20, (seconds, growth_mb)


def test_file_longer_than_the_limit_names_file_and_remedy(tmp_path, transformer_name, monkeypatch,
                                                          make_transformer, music_like, pcm_files):
    import skaudio.io

    good = pcm_files[:2]  # 1 s each: 22050 samples
    long = str(tmp_path / "long.wav")
    sf.write(long, music_like(duration=3.0, seed=5), SR, subtype="FLOAT")
    monkeypatch.setattr(skaudio.io, "MAX_SAMPLES", 2 * SR)
    # the whole file, or a window longer than the limit (fixed-shape outputs)
    # features read at most max_duration (None: the whole file); tensors are cut to duration
    length = "max_duration" if transformer_name == "LibrosaFeatures" else "duration"
    window = {length: None if transformer_name == "LibrosaFeatures" else 3.0}
    transformer = make_transformer(transformer_name, **window).fit(good)
    with pytest.raises(AudioLoadError, match=r"66,150 samples.*limit of 44,100") as info:
        transformer.transform([good[0], long])
    assert long in str(info.value) and _has_remedy(str(info.value))
    # the remedy works: a window within the limit
    windowed = make_transformer(transformer_name, **{length: 1.0}).fit(good)
    assert np.isfinite(windowed.transform([long])).all()
    # and on_error="nan" keeps the good rows
    alone = make_transformer(transformer_name, **window).fit(good).transform(good)
    with pytest.warns(UserWarning, match="1 of 3 clips"):
        out = make_transformer(transformer_name, on_error="nan", **window).fit(good).transform(
            [good[0], long, good[1]])
    assert np.isnan(out[1]).all()
    np.testing.assert_array_equal(out[[0, 2]], alone)
