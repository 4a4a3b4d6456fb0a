"""``make_genres``: a synthetic music-genre dataset generated offline in numpy."""

import numbers

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from sklearn.utils import Bunch, check_random_state

from ._genres_spec import CHORDS, CONTINUOUS, DRUMS, GENRE_NAMES, GENRES, PROGRESSIONS, STYLES

__all__ = ["make_genres"]

_KEYS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_TABLE = 2048  # wavetable length, a power of two
_FREQ = 440.0 * 2.0 ** ((np.arange(128) - 69.0) / 12.0)  # MIDI note -> Hz
_OVERLAP = 1.0  # at difficulty 1, every range is the union of all genres' ranges
_BORROW = 0.8  # at difficulty 1, each style choice is borrowed with this probability
_NOISE_DB = 14.0  # at difficulty 1, the signal-to-noise ratio drops by this much
_CLIP_MIX = (0.3, 0.6)  # how far each clip strays from its artist: a + b * difficulty
_CATEGORICAL = ("drums", "styles", "progressions", "beats_per_chord")

_GLOBAL = {
    p: (min(g[p][0] for g in GENRES.values()), max(g[p][1] for g in GENRES.values()))
    for p in CONTINUOUS
}


def _as_generator(random_state):
    """A :class:`numpy.random.Generator` from None, an int, a RandomState or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    legacy = check_random_state(random_state)  # None -> numpy's global RandomState
    return np.random.default_rng(legacy.randint(np.iinfo(np.int32).max))


def _artist(genre, difficulty, rng):
    """Draw one artist's fixed latent parameters within (widened) genre ranges."""
    spec = GENRES[genre]
    w = _OVERLAP * difficulty
    params = {}
    for p in CONTINUOUS:
        lo, hi = spec[p]
        g_lo, g_hi = _GLOBAL[p]
        params[p] = rng.uniform(lo + w * (g_lo - lo), hi + w * (g_hi - hi))
    params["n_harm"] = int(round(params["n_harm"]))
    for c in _CATEGORICAL:
        source = spec
        if rng.random() < _BORROW * difficulty:
            source = GENRES[GENRE_NAMES[rng.integers(len(GENRE_NAMES))]]
        params[c] = source[c][rng.integers(len(source[c]))]
    params["key"] = int(rng.integers(12))
    params["kick_hz"] = rng.uniform(45, 70)
    params["kick_decay"] = rng.uniform(0.12, 0.3)
    params["snare_decay"] = rng.uniform(0.05, 0.15)
    params["hat_decay"] = rng.uniform(0.01, 0.06)
    params["noise_color"] = rng.uniform(0.0, 0.95)
    return params


def _clip(a, genre, difficulty, rng):
    """One clip's parameters: the artist's, each pulled towards a fresh draw."""
    fresh = _artist(genre, difficulty, rng)
    mix = _CLIP_MIX[0] + _CLIP_MIX[1] * difficulty
    clip = dict(a)
    for p in CONTINUOUS:
        clip[p] = a[p] + mix * (fresh[p] - a[p])
    clip["n_harm"] = int(round(clip["n_harm"]))
    clip["start"] = rng.uniform(0.0, 16.0)
    clip["key"] = (a["key"] + (rng.choice([5, 7]) if rng.random() < 0.15 else 0)) % 12
    clip["snr_db"] -= _NOISE_DB * difficulty
    return clip


def _wavetable(n_harm, bright, even):
    k = np.arange(1, n_harm + 1)
    amp = k ** (-bright) * np.where(k % 2 == 0, even, 1.0)
    x = np.arange(_TABLE) / _TABLE
    table = amp @ np.sin(2 * np.pi * np.outer(k, x))
    return table / np.max(np.abs(table))


def _osc(table, midi, sr):
    """Wavetable oscillator; ``midi`` is a per-sample integer MIDI pitch (any leading shape)."""
    phase = np.cumsum(_FREQ[midi] * (_TABLE / sr), axis=-1)
    return table[phase.astype(np.int64) & (_TABLE - 1)]


def _envelope(t, onsets, attack, decay):
    onsets = np.concatenate([[-1e3], onsets])
    idx = np.searchsorted(onsets, t, side="right") - 1
    since = t - onsets[idx]
    return (1.0 - np.exp(-since / attack)) * np.exp(-since / decay), idx - 1


def _rms(x):
    return float(np.sqrt(np.mean(x * x)))


def _render(a, n, sr, rng):
    """Render one clip with parameters ``a`` (see :func:`_clip`)."""
    t0, tempo, key = a["start"], a["tempo"], a["key"]
    t = t0 + np.arange(n) / sr
    step = 60.0 / tempo / 4.0
    chord_steps = 4 * a["beats_per_chord"]
    first = max(0, int(np.floor(t0 / step)) - chord_steps - 8)
    steps = np.arange(first, int(np.ceil(t[-1] / step)) + 1)
    step_times = steps * step + np.where(steps % 4 == 2, a["swing"] * step, 0.0)
    step_times = step_times + rng.normal(0.0, 0.003, steps.size)  # humanise
    prog = PROGRESSIONS[a["progressions"]]
    roots = np.array([int(a["register"]) + (key + off) % 12 for off, _ in prog])
    tones = roots[:, None] + np.array([CHORDS[q] for _, q in prog])  # (n_prog, 4)
    chord_of_step = (steps // chord_steps) % len(prog)

    # Harmony: chords played in the artist's style.
    pattern, arpeggio = STYLES[a["styles"]]
    if pattern is None:
        on = steps % chord_steps == 0
    else:
        on = np.asarray(pattern, dtype=bool)[steps % 16]
    table = _wavetable(a["n_harm"], a["bright"], a["even"])
    env, which = _envelope(t, step_times[on], a["attack"], a["decay"])
    chord_t = chord_of_step[on][which]
    if arpeggio:
        updown = np.array([0, 1, 2, 3, 2, 1])
        notes = tones[chord_of_step[on], updown[np.arange(on.sum()) % 6]]
        harm = _osc(table, notes[which], sr) * env
    else:
        harm = _osc(table, tones[chord_t].T, sr).sum(axis=0) * env

    # Bass: the chord root two octaves down, on the beat (once per chord for pads).
    on_bass = steps % (chord_steps if pattern is None else 4) == 0
    env_b, which_b = _envelope(t, step_times[on_bass], 0.005, 0.5 * 60.0 / tempo + 0.1)
    bass = _osc(_wavetable(4, 2.5, 1.0), roots[chord_of_step[on_bass]][which_b] - 24, sr) * env_b

    # Drums: impulse trains convolved with synthetic kick, snare and hat.
    kt = np.arange(int(0.4 * sr)) / sr
    noise = rng.standard_normal(kt.size)
    kick_f = a["kick_hz"] + 110.0 * np.exp(-kt / 0.03)
    kernels = {
        "kick": np.sin(2 * np.pi * np.cumsum(kick_f) / sr) * np.exp(-kt / a["kick_decay"]),
        "snare": (noise + np.sin(2 * np.pi * 190.0 * kt)) * np.exp(-kt / a["snare_decay"]),
        "hat": np.diff(noise, n=2, prepend=[0.0, 0.0]) * np.exp(-kt / a["hat_decay"]),
    }
    gains = {"kick": 1.0, "snare": 0.7, "hat": 0.3}
    pad = kt.size
    out = np.zeros(n + 2 * pad)
    for name, probs in DRUMS[a["drums"]].items():
        hit = rng.random(steps.size) < np.asarray(probs)[steps % 16]
        if not hit.any():
            continue
        pos = np.round((step_times[hit] - t0) * sr).astype(np.int64) + pad
        vel = gains[name] * rng.uniform(0.6, 1.0, pos.size)
        kernel = kernels[name] / (np.max(np.abs(kernels[name])) + 1e-12)
        keep = (pos >= 0) & (pos < n + pad)
        for p, v in zip(pos[keep], vel[keep], strict=True):
            out[p : p + pad] += v * kernel

    drums = out[pad : pad + n]

    # Mix: distort the harmony, balance the parts, add coloured noise, set loudness.
    g = 1.0 + 12.0 * a["drive"]
    harm = np.tanh(g * harm / (np.max(np.abs(harm)) + 1e-12)) / np.tanh(g)
    mix = harm / (_rms(harm) + 1e-12) + a["bass_lvl"] * bass / (_rms(bass) + 1e-12)
    if _rms(drums) > 0:
        mix += a["drum_lvl"] * drums / _rms(drums)
    noise = lfilter([1.0 - a["noise_color"]], [1.0, -a["noise_color"]], rng.standard_normal(n))
    mix += noise / _rms(noise) * _rms(mix) * 10.0 ** (-a["snr_db"] / 20.0)
    mix *= 10.0 ** (a["loud_db"] / 20.0) / (_rms(mix) + 1e-12)
    return np.clip(mix, -1.0, 1.0)


def make_genres(
    n_per_class=20,
    *,
    duration=3.0,
    sr=22050,
    n_classes=6,
    n_artists=4,
    difficulty=0.5,
    shuffle=True,
    random_state=None,
    return_X_y=False,
):
    """Generate a synthetic music-genre dataset: the offline stand-in for GTZAN.

    Each genre is a recipe: a tempo range played by drum-like percussive hits
    in a genre-specific rhythm pattern, chord progressions in major or minor
    modes played in a genre-specific way (pads, arpeggios, syncopated
    comping, strummed or off-beat stabs), a bass line, a timbre (number and
    roll-off of harmonics, distortion), a noise level and a loudness. The
    genres are ``"rock"``, ``"jazz"``, ``"classical"``, ``"techno"``,
    ``"ambient"`` and ``"noise-pop"`` (the first ``n_classes`` of them).

    Each genre has ``n_artists`` synthetic artists; an artist is a fixed set
    of latent parameters (key, tempo, timbre, drum kit, levels…) drawn inside
    the genre's ranges, and all their clips share it, so ``groups`` (the
    artist ids) make group-aware cross-validation meaningful: a random split
    puts an artist on both sides and flatters the score, exactly like GTZAN.

    Parameters
    ----------
    n_per_class : int, default=20
        Number of clips per genre. Clips are dealt to the genre's artists in
        turn.
    duration : float, default=3.0
        Length of every clip in seconds.
    sr : int, default=22050
        Sample rate in Hz.
    n_classes : int, default=6
        Number of genres, between 2 and 6.
    n_artists : int, default=4
        Number of artists per genre.
    difficulty : float in [0, 1], default=0.5
        How hard the task is. At 0 the genres' parameter ranges are disjoint
        and clean; as it rises, every range widens towards the union of all
        genres' ranges, artists borrow rhythm patterns, playing styles and
        progressions from other genres, and noise grows. With the default,
        the 57 GTZAN features and a standardised SVC score well above chance
        (1/6) but far from perfect: about 78 % in 3-fold stratified CV and
        about 55 % when the folds keep artists apart (StratifiedGroupKFold);
        about 99 % at 0, 95 % at 0.25, 52 % at 0.75 and 17-37 % at 1.
    shuffle : bool, default=True
        Shuffle the clips; otherwise they are ordered by genre then artist.
    random_state : int, RandomState instance, Generator or None, default=None
        Seed of all random choices. Pass an int for reproducible output.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        A Bunch (dictionary-like) with the attributes below, or
        ``(data, target)`` if ``return_X_y`` is True.

        - ``data`` (ndarray of shape (n_clips, round(duration * sr)), float32):
          The waveforms, mono, in [-1, 1]; ``n_clips = n_classes * n_per_class``.
        - ``target`` (ndarray of shape (n_clips,), str):
          The genre of each clip.
        - ``groups`` (ndarray of shape (n_clips,), int):
          The artist id of each clip (unique across genres).
        - ``frame`` (DataFrame of shape (n_clips, 8)):
          Metadata: ``clip`` (a name), ``label``, ``artist``, ``tempo`` (BPM),
          ``key``, ``progression``, ``drums``, ``style``.
        - ``target_names`` (list of str):
          The genres, in recipe order.
        - ``sr`` (int):
          The sample rate.
        - ``DESCR`` (str):
          Description of the dataset.

    Examples
    --------
    >>> from skaudio.datasets import make_genres
    >>> bunch = make_genres(n_per_class=4, duration=1.0, random_state=0)
    >>> bunch.data.shape, bunch.data.dtype
    ((24, 22050), dtype('float32'))
    >>> bunch.target_names
    ['rock', 'jazz', 'classical', 'techno', 'ambient', 'noise-pop']
    >>> len(set(bunch.groups))
    24
    >>> X, y = make_genres(n_per_class=2, duration=0.5, n_classes=3, random_state=0,
    ...                    return_X_y=True)
    >>> X.shape, sorted(set(y.tolist()))
    ((6, 11025), ['classical', 'jazz', 'rock'])
    """
    for name, value, low, high in (
        ("n_per_class", n_per_class, 1, None),
        ("n_classes", n_classes, 2, len(GENRE_NAMES)),
        ("n_artists", n_artists, 1, None),
        ("sr", sr, 1, None),
    ):
        if not isinstance(value, numbers.Integral) or value < low or (high and value > high):
            bound = f"between {low} and {high}" if high else f">= {low}"
            raise ValueError(f"{name} must be an int {bound}; got {value!r}.")
    if not 0.0 <= difficulty <= 1.0:
        raise ValueError(f"difficulty must be a float in [0, 1]; got {difficulty!r}.")
    n_samples = int(round(duration * sr))
    if n_samples < 1:
        raise ValueError(f"duration * sr must give at least one sample; got {duration!r}.")

    rng = _as_generator(random_state)
    entropy = int(rng.integers(2**63))
    names = list(GENRE_NAMES[:n_classes])
    data = np.empty((n_classes * n_per_class, n_samples), dtype=np.float32)
    rows = []
    for gi, genre in enumerate(names):
        artists = [
            _artist(genre, difficulty, np.random.default_rng([entropy, gi, a]))
            for a in range(n_artists)
        ]
        for j in range(n_per_class):
            ai, take = j % n_artists, j // n_artists
            a = artists[ai]
            crng = np.random.default_rng([entropy, gi, ai, take + 1])
            clip = _clip(a, genre, difficulty, crng)
            data[len(rows)] = _render(clip, n_samples, sr, crng)
            rows.append(
                {
                    "clip": f"{genre}.{ai:02d}.{take:03d}",
                    "label": genre,
                    "artist": gi * n_artists + ai,
                    "tempo": round(clip["tempo"], 2),
                    "key": _KEYS[clip["key"]],
                    "progression": a["progressions"],
                    "drums": a["drums"],
                    "style": a["styles"],
                }
            )
    frame = pd.DataFrame(rows)
    if shuffle:
        order = rng.permutation(len(frame))
        data, frame = data[order], frame.iloc[order].reset_index(drop=True)
    target = frame["label"].to_numpy(dtype=str)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        groups=frame["artist"].to_numpy(),
        frame=frame,
        target_names=names,
        sr=sr,
        DESCR=_DESCR.format(
            n=len(frame), c=n_classes, a=n_artists, d=duration, sr=sr, difficulty=difficulty
        ),
    )


_DESCR = """\
Synthetic music genres (skaudio.datasets.make_genres)
-----------------------------------------------------

{n} clips of {d} s at {sr} Hz, {c} genres, {a} synthetic artists per genre,
difficulty {difficulty}.

Generated offline with numpy: drum-like percussive hits in genre-specific
tempo ranges and rhythm patterns, chord progressions in major or minor modes
played as pads, arpeggios, comping, strums or stabs, a bass line, wavetable
timbres with genre-specific brightness and distortion, coloured noise.
Each artist is a fixed draw of latent parameters (key, tempo, timbre, kit,
levels) within its genre's ranges: use ``groups`` (artist ids) with
StratifiedGroupKFold for honest cross-validation. ``difficulty`` widens the
genres' ranges towards each other, lets artists borrow other genres' styles
and adds noise.
"""
