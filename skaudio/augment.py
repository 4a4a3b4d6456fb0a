"""Seeded, train-only augmentation: the numpy maths shared by the nets and the meta-estimator.

Every function takes a batch whose first axis is the clip and whose last
axis is time, and a :class:`numpy.random.Generator` that makes every random
draw, so one seed gives one result. Nothing here is ever applied at
inference: :class:`skaudio.nets.CNNClassifier` and
:class:`skaudio.nets.WaveNetClassifier` call :class:`BatchAugmenter` on
training batches only (``augment=``), and :class:`skaudio.AugmentedClassifier`
adds augmented copies of the training clips inside ``fit`` only.

- :func:`random_crop`, :func:`crop_starts`: one random window per clip for
  training; the windows that cover a whole clip for prediction.
- :func:`spec_mask`: SpecAugment time and frequency masking;
  :func:`freq_shift`: a shift along the (mel) frequency axis.
- :func:`random_gain`, :func:`add_noise`, :func:`time_shift`,
  :func:`pitch_shift`: waveform changes.
- :func:`mixup_pairs`: the partner and weight of each clip for mixup.

Examples
--------
>>> import numpy as np
>>> from skaudio.augment import random_crop, crop_starts
>>> rng = np.random.default_rng(0)
>>> X = np.arange(20.0).reshape(2, 10)
>>> random_crop(X, length=4, rng=rng).shape
(2, 4)
>>> crop_starts(10, length=4)
array([0, 2, 4, 6])
"""

import numbers

import numpy as np

from .exceptions import SkaudioError

__all__ = [
    "BatchAugmenter",
    "add_noise",
    "check_augment",
    "crop_starts",
    "freq_shift",
    "mixup_pairs",
    "pitch_shift",
    "random_crop",
    "random_gain",
    "spec_mask",
    "time_shift",
]


class _AugmentError(SkaudioError, ValueError):
    """An augmentation setting that cannot be used."""


def _uniform_range(value, name):
    """A float or a (low, high) pair as a (low, high) pair of floats."""
    if isinstance(value, numbers.Real):
        return float(value), float(value)
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise _AugmentError(
            f"{name} must be a number or a (low, high) pair, got {value!r}."
        ) from None
    if low > high:
        raise _AugmentError(f"{name}={value!r}: low must not exceed high.")
    return low, high


def crop_starts(n_total, *, length, hop=None):
    """Starts of the windows of ``length`` that cover ``n_total`` steps.

    Windows start every ``hop`` steps; a last window ending exactly at
    ``n_total`` is added when the hops do not reach the end, so no step is
    left out. A clip no longer than one window gives the single start 0.

    Parameters
    ----------
    n_total : int
        Length of the clip along its time axis.
    length : int
        Window length.
    hop : int or None, default=None
        Steps between window starts; None is ``max(1, length // 2)``.

    Returns
    -------
    starts : ndarray of shape (n_windows,), int64

    Examples
    --------
    >>> crop_starts(11, length=4, hop=4)
    array([0, 4, 7])
    >>> crop_starts(3, length=4)
    array([0])
    """
    hop = max(1, length // 2) if hop is None else int(hop)
    last = n_total - length
    if last <= 0:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, last + 1, hop, dtype=np.int64)
    if starts[-1] != last:
        starts = np.append(starts, last)
    return starts


def random_crop(X, *, length, rng):
    """One random window of ``length`` steps along the last axis of each clip.

    Parameters
    ----------
    X : ndarray of shape (n_clips, ..., n_steps)
        The batch.
    length : int
        Window length; a batch no longer than that is returned unchanged.
    rng : numpy.random.Generator
        Draws one start per clip, uniformly over the valid starts.

    Returns
    -------
    crops : ndarray of shape (n_clips, ..., min(length, n_steps))

    Examples
    --------
    >>> X = np.arange(10.0)[None].repeat(3, axis=0)
    >>> crops = random_crop(X, length=3, rng=np.random.default_rng(1))
    >>> bool(np.all(np.diff(crops, axis=1) == 1))
    True
    """
    n_steps = X.shape[-1]
    if n_steps <= length:
        return X
    starts = rng.integers(0, n_steps - length + 1, size=len(X))
    index = starts[:, None] + np.arange(length)
    index = index.reshape((len(X),) + (1,) * (X.ndim - 2) + (length,))
    return np.take_along_axis(X, np.broadcast_to(index, X.shape[:-1] + (length,)), axis=-1)


def spec_mask(S, *, rng, freq_width=0, time_width=0, n_masks=1):
    """SpecAugment masking: random bands of frequency and time set to the clip's mean.

    Parameters
    ----------
    S : ndarray of shape (n_clips, ..., n_freqs, n_frames)
        (Log-)spectrograms.
    rng : numpy.random.Generator
        Draws every mask's width (uniform in ``0 .. width``) and position.
    freq_width, time_width : int, default=0
        Largest width of a frequency mask (bins) and of a time mask
        (frames); 0 masks nothing on that axis.
    n_masks : int, default=1
        Masks per axis and clip.

    Returns
    -------
    masked : ndarray like S
        A masked copy; each mask holds the mean of its clip, so that a
        standardising net sees no new extreme value.

    Examples
    --------
    >>> S = np.ones((2, 1, 8, 10))
    >>> S[:, :, :, :5] = 0
    >>> out = spec_mask(S, rng=np.random.default_rng(0), freq_width=3, time_width=3)
    >>> out.shape, bool(np.allclose(out.mean(), S.mean(), atol=0.2))
    ((2, 1, 8, 10), True)
    """
    out = np.array(S, copy=True)
    n_freqs, n_frames = out.shape[-2:]
    fill = out.reshape(len(out), -1).mean(axis=1)
    for i in range(len(out)):
        for _ in range(n_masks):
            if freq_width > 0:
                width = int(rng.integers(0, min(freq_width, n_freqs) + 1))
                start = int(rng.integers(0, n_freqs - width + 1))
                out[i, ..., start:start + width, :] = fill[i]
            if time_width > 0:
                width = int(rng.integers(0, min(time_width, n_frames) + 1))
                start = int(rng.integers(0, n_frames - width + 1))
                out[i, ..., start:start + width] = fill[i]
    return out


def freq_shift(S, *, rng, max_shift):
    """Shift each spectrogram along its frequency axis by a random number of bins.

    On a mel spectrogram a shift of ``k`` bands moves every formant and
    harmonic by about the same ratio: a cheap stand-in for a pitch shift or
    a vocal-tract-length change. The bands shifted in repeat the edge band.

    Parameters
    ----------
    S : ndarray of shape (n_clips, ..., n_freqs, n_frames)
        (Log-)spectrograms.
    rng : numpy.random.Generator
        Draws one shift per clip, uniform in ``-max_shift .. max_shift``.
    max_shift : int
        Largest shift in bins.

    Returns
    -------
    shifted : ndarray like S

    Examples
    --------
    >>> S = np.arange(5.0)[None, :, None].repeat(2, axis=2)
    >>> freq_shift(S, rng=np.random.default_rng(0), max_shift=2)[0, :, 0]
    array([2., 3., 4., 4., 4.])
    """
    n_freqs = S.shape[-2]
    shifts = rng.integers(-max_shift, max_shift + 1, size=len(S))
    index = np.clip(np.arange(n_freqs)[None] + shifts[:, None], 0, n_freqs - 1)
    index = index.reshape((len(S),) + (1,) * (S.ndim - 3) + (n_freqs, 1))
    return np.take_along_axis(S, np.broadcast_to(index, S.shape), axis=-2)


def random_gain(X, *, rng, max_db):
    """Scale each clip by a random gain, uniform in ``[-max_db, max_db]`` dB.

    Parameters
    ----------
    X : ndarray of shape (n_clips, ...)
        Waveforms.
    rng : numpy.random.Generator
        Draws one gain per clip.
    max_db : float
        Largest absolute gain in decibels.

    Returns
    -------
    scaled : ndarray like X

    Examples
    --------
    >>> out = random_gain(np.ones((3, 4)), rng=np.random.default_rng(0), max_db=6.0)
    >>> bool(np.all((out >= 10 ** (-6 / 20)) & (out <= 10 ** (6 / 20))))
    True
    """
    gain_db = rng.uniform(-max_db, max_db, size=len(X))
    gain = (10.0 ** (gain_db / 20.0)).reshape((len(X),) + (1,) * (X.ndim - 1))
    return (X * gain).astype(X.dtype, copy=False)


def add_noise(X, *, rng, snr_db):
    """Add white Gaussian noise at a signal-to-noise ratio, per clip.

    Parameters
    ----------
    X : ndarray of shape (n_clips, ...)
        Waveforms.
    rng : numpy.random.Generator
        Draws the SNR of each clip and the noise.
    snr_db : float or (float, float)
        The SNR in decibels, or a range it is drawn from uniformly. The
        noise power is the clip's mean power divided by ``10**(snr_db/10)``;
        a silent clip stays silent.

    Returns
    -------
    noisy : ndarray like X

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.sin(np.arange(20000) / 5.0)[None]
    >>> noise = add_noise(x, rng=rng, snr_db=10.0) - x
    >>> round(float(10 * np.log10(np.mean(x**2) / np.mean(noise**2))), 1)
    10.0
    """
    low, high = _uniform_range(snr_db, "snr_db")
    snr = rng.uniform(low, high, size=len(X))
    power = np.mean(np.square(X.reshape(len(X), -1), dtype=np.float64), axis=1)
    scale = np.sqrt(power / 10.0 ** (snr / 10.0)).reshape((len(X),) + (1,) * (X.ndim - 1))
    noise = rng.standard_normal(X.shape)
    return (X + scale * noise).astype(X.dtype, copy=False)


def time_shift(X, *, rng, max_shift):
    """Roll each clip along its last axis by a random number of steps.

    Parameters
    ----------
    X : ndarray of shape (n_clips, ..., n_steps)
        Waveforms or spectrograms.
    rng : numpy.random.Generator
        Draws one shift per clip, uniform in ``-max_shift .. max_shift``.
    max_shift : int
        Largest shift in steps (samples or frames); the roll is circular,
        so nothing is lost.

    Returns
    -------
    shifted : ndarray like X

    Examples
    --------
    >>> out = time_shift(np.arange(5.0)[None], rng=np.random.default_rng(3), max_shift=2)
    >>> sorted(out[0].tolist())
    [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    n_steps = X.shape[-1]
    shifts = rng.integers(-max_shift, max_shift + 1, size=len(X))
    index = (np.arange(n_steps)[None] - shifts[:, None]) % n_steps
    index = index.reshape((len(X),) + (1,) * (X.ndim - 2) + (n_steps,))
    return np.take_along_axis(X, np.broadcast_to(index, X.shape), axis=-1)


def pitch_shift(y, *, sr, rng, max_semitones):
    """Shift one waveform's pitch by a random number of semitones (librosa).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        A mono waveform.
    sr : int
        Its sample rate.
    rng : numpy.random.Generator
        Draws the shift, uniform in ``[-max_semitones, max_semitones]``.
    max_semitones : float
        Largest absolute shift.

    Returns
    -------
    shifted : ndarray of shape (n_samples,), float32
        Same length as ``y`` (``librosa.effects.pitch_shift``: a phase
        vocoder time stretch, then resampling).

    Examples
    --------
    >>> sr = 8000
    >>> y = np.sin(2 * np.pi * 440 * np.arange(sr) / sr).astype(np.float32)
    >>> pitch_shift(y, sr=sr, rng=np.random.default_rng(0), max_semitones=2).shape
    (8000,)
    """
    import librosa

    steps = float(rng.uniform(-max_semitones, max_semitones))
    n_fft = 2048
    while n_fft > 16 and n_fft > len(y):  # short clips: a shorter frame, no warning
        n_fft //= 2
    out = librosa.effects.pitch_shift(np.asarray(y, dtype=np.float32), sr=sr, n_steps=steps,
                                      n_fft=n_fft, hop_length=n_fft // 4)
    return np.asarray(out, dtype=np.float32)


def mixup_pairs(n, *, rng, alpha):
    """A random partner for each clip of a batch and one mixing weight (mixup).

    The mixed batch is ``lam * X + (1 - lam) * X[perm]``, trained against
    ``lam * loss(y) + (1 - lam) * loss(y[perm])``.

    Parameters
    ----------
    n : int
        Batch size.
    rng : numpy.random.Generator
        Draws the permutation and the weight.
    alpha : float
        ``lam`` is drawn from ``Beta(alpha, alpha)`` and folded to
        ``max(lam, 1 - lam)``, so each clip stays the dominant one.

    Returns
    -------
    perm : ndarray of shape (n,), int64
    lam : float in [0.5, 1]

    Examples
    --------
    >>> perm, lam = mixup_pairs(4, rng=np.random.default_rng(0), alpha=0.2)
    >>> sorted(perm.tolist()), 0.5 <= lam <= 1
    ([0, 1, 2, 3], True)
    """
    lam = float(rng.beta(alpha, alpha))
    return rng.permutation(n).astype(np.int64), max(lam, 1.0 - lam)


# -- the nets' recipe ---------------------------------------------------------------

_KINDS = {
    # what each key of ``augment`` means, per input kind of a net
    "spectrogram": ("freq_mask", "time_mask", "n_masks", "freq_shift", "time_shift", "mixup"),
    "waveform": ("gain_db", "snr_db", "time_shift", "time_mask", "n_masks", "mixup"),
}


def _default_recipe(kind, shape):
    """The ``augment="default"`` recipe for one clip shape (channel axis included).

    Measured in ``benchmarks/results/nets_cpu.md``: on unseen FSDD speakers,
    mixup on top of the masks and the shift lifts the default CNN from 0.945
    to 0.981 (same seed); it did not help the WaveNet in development runs, so
    it is opt-in there.
    """
    n_steps = shape[-1]
    if kind == "spectrogram":
        return {"freq_mask": max(1, shape[-2] // 8), "time_mask": max(1, n_steps // 8),
                "time_shift": max(1, n_steps // 8), "n_masks": 1, "mixup": 0.2}
    return {"gain_db": 6.0, "snr_db": (10.0, 40.0), "time_shift": max(1, n_steps // 10),
            "time_mask": max(1, n_steps // 10), "n_masks": 1}


def check_augment(augment, *, kind, shape):
    """Validate a net's ``augment`` parameter into a recipe dict.

    Parameters
    ----------
    augment : None, "default" or dict
        None: no augmentation. ``"default"``: the recipe of the input kind,
        scaled to ``shape``. A dict: keys from the table below, values as
        documented on the nets.
    kind : {"spectrogram", "waveform"}
        The net's input.
    shape : tuple of int
        Shape of one training clip (after cropping), channel axis included.

    Returns
    -------
    recipe : dict
        Only the keys that do something; empty for no augmentation.

    Examples
    --------
    >>> check_augment("default", kind="spectrogram", shape=(1, 64, 96))
    {'freq_mask': 8, 'time_mask': 12, 'time_shift': 12, 'n_masks': 1, 'mixup': 0.2}
    >>> check_augment({"mixup": 0.4}, kind="waveform", shape=(1, 8000))
    {'mixup': 0.4}
    """
    if augment is None:
        return {}
    if isinstance(augment, str):
        if augment != "default":
            raise _AugmentError(f"augment={augment!r}: use None, 'default' or a dict.")
        return _default_recipe(kind, shape)
    allowed = _KINDS[kind]
    unknown = sorted(set(augment) - set(allowed))
    if unknown:
        raise _AugmentError(
            f"augment has unknown key(s) {unknown} for a {kind} net; use some of "
            f"{list(allowed)}."
        )
    recipe = {}
    for key, value in augment.items():
        if value is None:
            continue
        if key == "snr_db":
            _uniform_range(value, "augment['snr_db']")
        elif key in ("freq_mask", "time_mask", "n_masks", "freq_shift", "time_shift"):
            if not isinstance(value, numbers.Integral) or value < 0:
                raise _AugmentError(f"augment[{key!r}] must be an int >= 0, got {value!r}.")
        elif not isinstance(value, numbers.Real) or value < 0:
            raise _AugmentError(f"augment[{key!r}] must be a number >= 0, got {value!r}.")
        recipe[key] = value
    if recipe.get("n_masks") == 0:  # no masks at all
        for key in ("freq_mask", "time_mask"):
            recipe.pop(key, None)
    return {k: v for k, v in recipe.items() if v or k == "snr_db"}


class BatchAugmenter:
    """Random crop and augmentation of training batches, all drawn from one Generator.

    Parameters
    ----------
    recipe : dict
        From :func:`check_augment`.
    rng : numpy.random.Generator
        The only source of randomness.
    crop : int or None, default=None
        Crop every clip to a random window of this many steps first.

    Examples
    --------
    >>> aug = BatchAugmenter({"freq_mask": 2, "mixup": 0.2}, np.random.default_rng(0), crop=5)
    >>> X, perm, lam = aug(np.zeros((4, 1, 8, 12), dtype=np.float32))
    >>> X.shape, X.dtype, perm.shape
    ((4, 1, 8, 5), dtype('float32'), (4,))
    """

    def __init__(self, recipe, rng, *, crop=None):
        self.recipe = recipe
        self.rng = rng
        self.crop = crop

    def __call__(self, X):
        """Augment one batch ``X`` of shape (n_clips, ..., n_steps).

        Returns the new batch and, for mixup, the partner permutation and
        weight (``None, 1.0`` without mixup).
        """
        rng, recipe = self.rng, self.recipe
        dtype = X.dtype
        if self.crop is not None:
            X = random_crop(X, length=self.crop, rng=rng)
        if recipe.get("gain_db"):
            X = random_gain(X, rng=rng, max_db=recipe["gain_db"])
        if recipe.get("freq_shift"):
            X = freq_shift(X, rng=rng, max_shift=recipe["freq_shift"])
        if recipe.get("time_shift"):
            X = time_shift(X, rng=rng, max_shift=recipe["time_shift"])
        if "snr_db" in recipe:
            X = add_noise(X, rng=rng, snr_db=recipe["snr_db"])
        if recipe.get("freq_mask") or recipe.get("time_mask"):
            X = spec_mask(X, rng=rng, freq_width=recipe.get("freq_mask", 0),
                          time_width=recipe.get("time_mask", 0),
                          n_masks=recipe.get("n_masks", 1))
        perm, lam = None, 1.0
        if recipe.get("mixup") and len(X) > 1:
            perm, lam = mixup_pairs(len(X), rng=rng, alpha=recipe["mixup"])
            X = lam * X + (1.0 - lam) * X[perm]
        return np.ascontiguousarray(X, dtype=dtype), perm, lam
