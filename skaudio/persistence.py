"""Save and load fitted models without running code from the file.

:func:`save_model` writes a :mod:`skops.io` file. :func:`load_model` reads
one trusting exactly :data:`TRUSTED_TYPES` (skaudio's estimators and the
few scikit-learn helper types their fitted state holds) plus any types the
caller names, and refuses a file holding anything else, listing it.
A joblib or pickle file runs code when it is loaded, so it is only read with
``trust_pickle=True``.

A file that holds only trusted types can still ask for too much: every
loaded model is checked, before anything large is built, against
:data:`LIMITS` (window and band sizes, segments per second; the nets check
their layer sizes, see :mod:`skaudio.nets`), the arrays inside the file
against :data:`MAX_MODEL_BYTES`, and its ``memory=`` (cache folders) and
``n_jobs`` settings are replaced by the caller's: a model file never
chooses where features are cached nor how many processes run.
"""

import numbers
import os
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

from .exceptions import SkaudioError

__all__ = ["LIMITS", "MAX_MODEL_BYTES", "TRUSTED_TYPES", "load_model", "save_model"]

TRUSTED_TYPES = (
    # skaudio's estimators: parameters, numbers, strings and numpy arrays
    "skaudio.augmented.AugmentedClassifier",
    "skaudio.features.LibrosaFeatures",
    "skaudio.segments.SegmentVotingClassifier",
    "skaudio.spectrogram.MelSpectrogram",
    "skaudio.waveform.RawWaveform",
    "skaudio.nets.estimators.CNNClassifier",
    "skaudio.nets.estimators.WaveNetClassifier",
    # scikit-learn's own helpers inside fitted benchmark models (skops trusts
    # scikit-learn's estimators already, not these)
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.metrics._scorer._PassthroughScorer",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.tree._tree.Tree",
)
"""The types :func:`load_model` trusts in a skops file, as skops names them."""

MAX_MODEL_BYTES = 2**30
"""Largest total size of the (uncompressed) members of a skops file: 1 GiB."""

LIMITS = {
    # parameter: (smallest, largest) value a loaded skaudio estimator may hold
    "sr": (1000, 768_000),
    "n_fft": (16, 2**16),
    "hop_length": (1, 2**16),
    "n_mels": (1, 1024),
    "n_mfcc": (1, 1024),
    "n_chroma": (1, 1024),
    "segment_duration": (0.01, 3600.0),
    "hop_duration": (0.01, 3600.0),
}
"""Ranges of the size parameters of a loaded skaudio estimator.

Besides these, a spectrogram may not exceed :data:`MAX_VALUES_PER_SECOND`
(frames per second x frequency bins).
"""

MAX_VALUES_PER_SECOND = 2**22
"""Largest ``sr / hop_length * (n_fft // 2 + 1)`` of a loaded model (100x the defaults)."""

_PICKLE_SUFFIXES = {".joblib", ".pkl", ".pickle"}


def save_model(model, path):
    """Save a fitted model as a skops file that :func:`load_model` reads.

    Parameters
    ----------
    model : estimator
        A fitted skaudio pipeline, :class:`~skaudio.SegmentVotingClassifier`,
        net, or any scikit-learn estimator built from trusted types.
    path : str or os.PathLike
        Where to write (``.skops`` by convention).

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    SkaudioError
        When the model holds a type :func:`load_model` would refuse, so that
        nothing is saved that cannot be loaded back.

    Examples
    --------
    >>> import tempfile, os
    >>> from skaudio.benchmark import train_model
    >>> from skaudio.persistence import load_model, save_model
    >>> model = train_model("builtin:n_per_class=6,duration=1,n_classes=2", "logreg")
    >>> path = save_model(model, os.path.join(tempfile.mkdtemp(), "genres.skops"))
    >>> load_model(path).classes_.tolist()
    ['jazz', 'rock']
    """
    sio = _skops()
    data = sio.dumps(model)
    unknown = sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
    if unknown:
        raise SkaudioError(
            f"The model holds types that load_model does not trust: {', '.join(unknown)}. "
            "Replace them (e.g. memory='path' instead of a joblib.Memory, optimizer='sgd' "
            "instead of torch.optim.SGD), or save with skops.io.dump and load with "
            "load_model(path, trusted=[...]) after checking them.")
    path = Path(path)
    path.write_bytes(data)
    return path


def load_model(path, *, trusted=(), trust_pickle=False, memory=None, n_jobs=None):
    """Load a model saved by :func:`save_model` (or ``skaudio train``), safely.

    A skops file is loaded trusting :data:`TRUSTED_TYPES` and ``trusted``
    only; any other type is refused. A joblib/pickle file is refused unless
    ``trust_pickle=True``, because loading it runs whatever code it holds.

    Parameters
    ----------
    path : str or os.PathLike
        A skops file, or (with ``trust_pickle=True``) a joblib/pickle file.
    trusted : sequence of str, default=()
        More types to trust, as listed by
        ``skops.io.get_untrusted_types(file=path)``: only ones you checked.
    trust_pickle : bool, default=False
        Load a joblib/pickle file. **This runs any code stored in the file**:
        only for a file you made yourself and nobody else could change.
    memory : None, str or os.PathLike, default=None
        Cache folder for the model's skaudio transformers. The ``memory=`` a
        file holds is never used: it is replaced by this value.
    n_jobs : int or None, default=None
        Replaces every ``n_jobs`` in the model, for the same reason.

    Returns
    -------
    model : estimator
        With ``predict``.

    Raises
    ------
    SkaudioError
        When the file is missing, not a model, holds an untrusted type, is
        a pickle without ``trust_pickle=True``, or asks for more than the
        documented limits (:data:`LIMITS`, :data:`MAX_MODEL_BYTES`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> from skaudio import LibrosaFeatures, load_model, save_model
    >>> X = np.random.default_rng(0).standard_normal((4, 4096))
    >>> model = make_pipeline(LibrosaFeatures(features=["rms"]), SVC()).fit(X, [0, 0, 1, 1])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save_model(model, Path(folder) / "model.skops")
    ...     loaded = load_model(path)
    >>> bool((loaded.predict(X) == model.predict(X)).all())
    True
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise SkaudioError(f"model file {name!r} not found; create one with "
                           "'skaudio train --out FILE.skops'.")
    if _is_skops(path):
        model = _load_skops(path, name, trusted)
    elif trust_pickle:
        warnings.warn(f"loading {name!r} with pickle runs any code stored in it; do this only "
                      "for a file you made yourself and nobody else could change.",
                      UserWarning, stacklevel=2)
        import joblib

        try:
            model = joblib.load(path)
        except Exception as exc:
            raise SkaudioError(f"{name!r} is not a model saved by 'skaudio train' "
                               f"({type(exc).__name__}: {exc}).") from None
    else:
        suffix = path.suffix.lower()
        kind = "a joblib/pickle file" if suffix in _PICKLE_SUFFIXES else "not a skops file"
        raise SkaudioError(
            f"{name!r} is {kind}, and loading a pickle runs any code stored in it, so it is "
            "not loaded. Retrain and save as skops ('skaudio train ... --out model.skops'), "
            "or, only if you made this file yourself and nobody else could change it, load "
            "it with --trust-pickle (Python: load_model(path, trust_pickle=True)) and "
            "convert it once: save_model(load_model(path, trust_pickle=True), "
            "'model.skops').")
    if not hasattr(model, "predict"):
        raise SkaudioError(f"{name!r} holds a {type(model).__name__}, not a model; "
                           "create one with 'skaudio train'.")
    check_loaded_model(model, name=name)
    _replace_settings(model, memory=memory, n_jobs=n_jobs)
    return model


def _skops():
    try:
        import skops.io as sio
    except ImportError:
        raise SkaudioError("Model files are saved with skops, which is not installed: "
                           "pip install skops.") from None
    return sio


def _is_skops(path):
    """A zip archive with a schema.json: what skops writes."""
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return "schema.json" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _load_skops(path, name, trusted):
    sio = _skops()
    _check_archive(path, name)
    try:
        found = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise SkaudioError(f"{name!r} is not a model saved by 'skaudio train' "
                           f"({type(exc).__name__}: {exc}).") from None
    allowed = set(TRUSTED_TYPES) | {str(t) for t in trusted}
    unknown = sorted(set(found) - allowed)
    if unknown:
        raise SkaudioError(
            f"{name!r} holds types skaudio does not trust: {', '.join(unknown)}. A file "
            "saved by 'skaudio train' holds none; this one was saved otherwise or changed. "
            "Do not load it unless you know each of these types is harmless (then: "
            "--trust TYPE, or load_model(path, trusted=[...])).")
    try:
        return sio.load(path, trusted=sorted(allowed & set(found)))
    except SkaudioError as exc:
        raise SkaudioError(f"{name!r}: {exc}") from None
    except Exception as exc:
        raise SkaudioError(f"{name!r} is not a model saved by 'skaudio train' "
                           f"({type(exc).__name__}: {exc}).") from None


def _check_archive(path, name):
    """Bound what reading the archive allocates: member sizes and array headers."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(info.file_size for info in infos)
            if total > MAX_MODEL_BYTES:
                raise SkaudioError(
                    f"{name!r} unpacks to {total / 2**20:.0f} MiB, more than "
                    f"skaudio.persistence.MAX_MODEL_BYTES ({MAX_MODEL_BYTES / 2**20:.0f} MiB); "
                    "raise that limit only for a file you trust.")
            for info in infos:
                if info.filename.endswith(".npy"):
                    with zf.open(info) as f:
                        _check_npy_header(f, info.file_size, name, info.filename)
    except (zipfile.BadZipFile, OSError, EOFError, struct.error) as exc:
        raise SkaudioError(f"{name!r} is not a readable skops file ({exc}).") from None


def _check_npy_header(f, size, name, member):
    """An array's header may not declare more bytes than its member holds."""
    try:
        version = np.lib.format.read_magic(f)
        read = {(1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read is None:
            raise ValueError(f"unsupported .npy version {version}")
        shape, _, dtype = read(f)
    except ValueError as exc:
        raise SkaudioError(f"{name!r}: array {member} has a bad header ({exc}).") from None
    n_bytes = int(np.prod(shape, dtype=object)) * max(dtype.itemsize, 1)
    if n_bytes > size:
        raise SkaudioError(f"{name!r}: array {member} declares {n_bytes} bytes but holds "
                           f"{size}; the file is damaged or was changed.")


def _estimators(model):
    """Every estimator inside a fitted model (steps, wrapped and fitted copies)."""
    seen, stack, found = set(), [model], []
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if any(c.__module__.startswith("skorch.") for c in type(obj).__mro__):
            continue  # a net's live skorch object, rebuilt by the net from its parameters
        if isinstance(obj, BaseEstimator):
            found.append(obj)
            stack.extend(vars(obj).values())
        elif isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("sklearn."):
            stack.extend(vars(obj).values())  # e.g. _CalibratedClassifier
    return found


def _is_skaudio(est):
    return (type(est).__module__.startswith("skaudio.")
            and hasattr(type(est), "_parameter_constraints"))


def check_loaded_model(model, *, name="the model"):
    """Refuse a loaded model whose parameters are invalid or beyond :data:`LIMITS`.

    Checks every skaudio estimator inside ``model`` with its own parameter
    constraints, then against :data:`LIMITS` and
    :data:`MAX_VALUES_PER_SECOND`, so that nothing large is allocated for a
    tampered file. Returns None; raises :class:`SkaudioError`.
    """
    for est in _estimators(model):
        if not _is_skaudio(est):
            continue
        label = f"{name!r}: {type(est).__name__}"
        try:
            est._validate_params()
        except (ValueError, TypeError) as exc:
            raise SkaudioError(f"{label} holds an invalid parameter ({exc}); the file was "
                               "damaged or changed.") from None
        params = est.get_params(deep=False)
        for key, (low, high) in LIMITS.items():
            value = params.get(key)
            if isinstance(value, numbers.Real) and not low <= value <= high:
                raise SkaudioError(f"{label} has {key}={value}, outside the range skaudio "
                                   f"loads ({low} to {high}); the file was changed, or "
                                   "raise skaudio.persistence.LIMITS for a file you trust.")
        if {"sr", "n_fft", "hop_length"} <= params.keys():
            per_second = params["sr"] / params["hop_length"] * (params["n_fft"] // 2 + 1)
            if per_second > MAX_VALUES_PER_SECOND:
                raise SkaudioError(
                    f"{label} asks for {per_second:.3g} spectrogram values per second of audio "
                    f"(sr / hop_length x (n_fft // 2 + 1)), more than "
                    f"skaudio.persistence.MAX_VALUES_PER_SECOND ({MAX_VALUES_PER_SECOND}); "
                    "the file was changed, or raise that limit for a file you trust.")


def _replace_settings(model, *, memory, n_jobs):
    """The caller, not the file, chooses cache folders and process counts."""
    if memory is not None and not isinstance(memory, (str, os.PathLike)):
        raise SkaudioError(f"memory must be a folder path or None, got {memory!r}.")
    for est in _estimators(model):
        if "memory" in vars(est):
            # a skaudio transformer caches per clip; a Pipeline only while fitting
            est.memory = memory if _is_skaudio(est) else None
        if "n_jobs" in vars(est):
            est.n_jobs = n_jobs
