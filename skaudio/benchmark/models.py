"""The model zoo of :mod:`skaudio.benchmark`: names, inputs, feature sets and factories.

Each model reads one *input*, computed once per dataset by a per-clip,
unsupervised front end:

- ``"features"``: a LibrosaFeatures matrix, one per *feature set*
  (``"gtzan"``: the 57 GTZAN columns; ``"full"``: every feature family);
- ``"mel"``: MelSpectrogram tensors; ``"waveform"``: RawWaveform tensors;
- ``"audio"``: the clips themselves (segment voting cuts them inside fit).

Models that learn from features (and segment voting) run once per feature
set. A model's *head* is fitted on its input inside each training fold;
:func:`pipeline` joins front end + head as one estimator to train and save.
"""

import difflib
import importlib.util
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from sklearn.discriminant_analysis import (
    LinearDiscriminantAnalysis,
    QuadraticDiscriminantAnalysis,
)
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ..exceptions import SkaudioError

__all__ = ["MODELS", "FEATURE_SETS", "ModelSpec", "Build", "list_models", "resolve_models",
           "resolve_feature_sets", "frontend", "pipeline"]


@dataclass(frozen=True)
class ModelSpec:
    """A benchmark model: what it reads and how to build its head."""

    name: str
    description: str
    input: str
    make: object  # Build -> unfitted estimator
    group: str = "classical"  # "classical", "voting", "voting_extra" or "nets"
    per_feature_set: bool = True  # run once per feature set (False: features ignored)
    fit_groups: bool = False  # fit(X, y, groups=...) when the split is by groups
    # rough CPU seconds per 30 s of audio on a 2-core machine: (train per training
    # clip, predict per test clip); None where the features dominate (see cost_text)
    cost: tuple = None


@dataclass(frozen=True)
class Build:
    """What a model factory may depend on."""

    random_state: int
    data: object  # BenchmarkData
    memory: object = None  # per-clip cache folder
    feature_set: str = "gtzan"
    grouped: bool = False  # the outer split is by groups: tune by groups too
    verbose: int = 0  # nets: print a line per epoch


FEATURE_SETS = {
    "gtzan": "the 57 GTZAN columns (LibrosaFeatures' default)",
    "full": "every feature family, with the statistics of the 'full' preset",
}
"""Feature sets of the feature models: name -> description.

Each is a :data:`~skaudio.features.PRESETS` name of
:class:`~skaudio.LibrosaFeatures` (with that preset's own statistics).
"""


@cache
def _preset_supported(name):
    """Whether this LibrosaFeatures knows the preset ``features=name``."""
    from ..features import LibrosaFeatures

    try:
        LibrosaFeatures(features=name, stats=None).fit([np.zeros(2048, dtype=np.float32)])
    except (ValueError, TypeError):
        return False
    return True


def _feature_set_params(name):
    """LibrosaFeatures parameters of a feature set."""
    if name == "gtzan" and not _preset_supported("gtzan"):
        return {}  # before presets existed the default was exactly the GTZAN set
    return {"features": name, "stats": None}


def resolve_feature_sets(feature_sets, data):
    """Feature set names to run and ``{name: reason}`` of those skipped.

    A set asked for by name that cannot run raises.

    Parameters
    ----------
    feature_sets : str, list of str or None
        None (every set this version and the data support), a
        comma-separated string or a list of names from :data:`FEATURE_SETS`.
    data : BenchmarkData
        The dataset the sets would be computed on.

    Returns
    -------
    names : list of str
    skipped : dict of str to str

    Examples
    --------
    >>> from skaudio.benchmark import load_benchmark_data, resolve_feature_sets
    >>> data = load_benchmark_data("builtin:n_per_class=4,duration=1,n_classes=2,sr=8000")
    >>> resolve_feature_sets("gtzan,full", data)
    (['gtzan', 'full'], {})
    """
    default = feature_sets is None
    if default:
        names = list(FEATURE_SETS)
    elif isinstance(feature_sets, str):
        names = [f.strip() for f in feature_sets.split(",") if f.strip()]
    else:
        names = list(feature_sets)
    if not names:
        raise SkaudioError("feature_sets is empty; pass e.g. 'gtzan' or 'gtzan,full'.")
    chosen, skipped = [], {}
    for name in names:
        if name not in FEATURE_SETS:
            raise SkaudioError(f"Unknown feature set {name!r}; choose from "
                               f"{sorted(FEATURE_SETS)}.")
        reason = None
        if data.features is not None and name != "gtzan":
            reason = "the feature table holds the GTZAN set only"
        elif name != "gtzan" and not _preset_supported(name):
            reason = f"this LibrosaFeatures has no features={name!r} preset"
        if reason is None:
            if name not in chosen:
                chosen.append(name)
        elif default:
            skipped[f"{name} features"] = reason
        else:
            raise SkaudioError(f"Feature set {name!r} cannot run on {data.name!r}: {reason}.")
    return chosen, skipped


def _scaled(estimator):
    return make_pipeline(StandardScaler(), estimator)


def _segment_duration(data):
    """3-s segments (GTZAN practice) for clips of 6 s and more; else None."""
    shortest = data.min_duration()
    return 3.0 if shortest is not None and shortest >= 6.0 else None


def _voting(build, *, soft):
    from sklearn.calibration import CalibratedClassifierCV

    from ..features import LibrosaFeatures
    from ..segments import SegmentVotingClassifier

    data = build.data
    params = {k: v for k, v in data.feature_params.items() if k not in ("duration", "offset")}
    params.update(_feature_set_params(build.feature_set))
    svc = CalibratedClassifierCV(SVC(), cv=3, ensemble=False) if soft else SVC()
    inner = make_pipeline(LibrosaFeatures(**params, memory=build.memory), StandardScaler(), svc)
    return SegmentVotingClassifier(inner, segment_duration=_segment_duration(data),
                                   sr=data.sr, voting="soft" if soft else "hard")


# Small on purpose: 9 candidates x 3 inner folds, a few seconds per benchmark.
TUNED_SVC_GRID = {"svc__C": [1.0, 10.0, 100.0], "svc__gamma": ["scale", 0.01, 0.001]}


def _tuned_svc(build):
    """SVC whose C and gamma are chosen by grid search inside each training fold.

    The inner 3-fold CV sees only the outer training fold (nested CV), and is
    by groups whenever the outer split is, so no artist leaks into the tuning.
    """
    rs = build.random_state
    inner = (StratifiedGroupKFold(3, shuffle=True, random_state=rs) if build.grouped
             else StratifiedKFold(3, shuffle=True, random_state=rs))
    return GridSearchCV(_scaled(SVC()), TUNED_SVC_GRID, cv=inner)


_CROP_SECONDS = 3.0  # nets train on random 3-s crops and predict by averaging over windows


def _cnn(build):
    from ..nets import CNNClassifier

    # frames of the mel front end (hop 512): 3-s crops, prediction averaged over windows
    # covering the clip; CNNClassifier's defaults otherwise (residual blocks, one-cycle
    # learning rate, masks + shift + mixup), cut to 3 blocks and 15 epochs for the cost
    # (benchmarks/results/nets_cpu.md)
    crop = max(1, round(_CROP_SECONDS * build.data.sr / 512))
    return CNNClassifier(n_blocks=3, channels=16, max_epochs=15, batch_size=16, crop=crop,
                         random_state=build.random_state, verbose=build.verbose)


def _wavenet(build):
    from ..nets import WaveNetClassifier

    # the default Gabor filterbank front end (hop 128 samples: 16 ms at 8 kHz), one stack
    return WaveNetClassifier(n_blocks=1, n_layers=6, residual_channels=16, skip_channels=32,
                             max_epochs=10, batch_size=16,
                             crop=round(_CROP_SECONDS * 8000),  # samples at the front end's 8 kHz
                             random_state=build.random_state, verbose=build.verbose)


_SPECS = [
    ModelSpec("dummy", "most frequent class (chance baseline)", "features",
              lambda b: DummyClassifier(strategy="most_frequent"), per_feature_set=False),
    ModelSpec("logreg", "StandardScaler + LogisticRegression", "features",
              lambda b: _scaled(LogisticRegression(max_iter=2000))),
    ModelSpec("svm", "StandardScaler + SVC (RBF, C=1)", "features",
              lambda b: _scaled(SVC())),
    ModelSpec("svm_tuned", "StandardScaler + SVC (RBF), C x gamma (3 x 3 grid) tuned by "
              "inner 3-fold CV on each training fold", "features", _tuned_svc, fit_groups=True),
    ModelSpec("lda", "LinearDiscriminantAnalysis (shrinkage)", "features",
              lambda b: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")),
    ModelSpec("qda", "StandardScaler + QuadraticDiscriminantAnalysis (shrinkage)", "features",
              lambda b: _scaled(QuadraticDiscriminantAnalysis(solver="eigen",
                                                              shrinkage="auto"))),
    ModelSpec("rf", "RandomForest (300 trees)", "features",
              lambda b: RandomForestClassifier(300, random_state=b.random_state)),
    ModelSpec("knn", "StandardScaler + 5-nearest neighbours", "features",
              lambda b: _scaled(KNeighborsClassifier(5))),
    ModelSpec("mlp", "StandardScaler + MLP (128 ReLU units, L2 0.01)", "features",
              lambda b: _scaled(MLPClassifier((128,), alpha=1e-2, max_iter=200,
                                              random_state=b.random_state))),
    ModelSpec("svm_vote", "SegmentVoting(3-s segments: features + SVC), soft vote", "audio",
              lambda b: _voting(b, soft=True), group="voting"),
    ModelSpec("svm_vote_hard", "SegmentVoting(3-s segments: features + SVC), hard vote",
              "audio", lambda b: _voting(b, soft=False), group="voting_extra"),
    # cost: benchmarks/results/nets_cpu.md (built-in genres, 80 x 30 s per fold, 2 threads)
    ModelSpec("cnn", "CNN (3 residual blocks) on log-mel spectrograms, 3-s crops", "mel", _cnn,
              group="nets", cost=(0.1, 0.1), per_feature_set=False),
    ModelSpec("wavenet", "WaveNet (6 dilated layers, Gabor filterbank) on 8 kHz waveforms",
              "waveform", _wavenet, cost=(0.15, 0.1), group="nets", per_feature_set=False),
]
MODELS = {spec.name: spec for spec in _SPECS}
_PRESETS = {
    "default": ("classical", "voting"),
    "classical": ("classical",),
    "all": ("classical", "voting", "voting_extra", "nets"),
    "nets": ("nets",),
}


def list_models():
    """The models the harness knows, with their input and presets.

    Returns
    -------
    models : DataFrame
        One row per model: ``name``, ``description``, ``input``
        (``features``, ``audio``, ``mel`` or ``waveform``), ``presets`` and
        ``cost``: rough CPU time per 30-s clip on a 2-core machine
        (measured in ``benchmarks/``; the features are computed once per
        clip and shared by every feature model).

    Examples
    --------
    >>> from skaudio.benchmark import list_models
    >>> list_models()["name"].tolist()[:4]
    ['dummy', 'logreg', 'svm', 'svm_tuned']
    """
    rows = [
        {"name": s.name, "description": s.description, "input": s.input,
         "presets": ",".join(p for p, groups in _PRESETS.items() if s.group in groups),
         "cost": cost_text(s)}
        for s in _SPECS
    ]
    return pd.DataFrame(rows)


def cost_text(spec):
    """What ``spec`` costs per 30-s clip, in words (for ``skaudio models``)."""
    if spec.cost is not None:
        train, predict = spec.cost
        return f"train ~{train:g} s/clip, predict ~{predict:g} s/clip"
    if spec.input == "audio":
        return "features of 3-s segments, ~0.1 s/clip"
    return "features once, ~0.08 s/clip (full ~0.1 s)"


def estimate_seconds(spec, data, n_train, n_test, n_folds):
    """Rough seconds a net model takes over all folds on ``data`` (None for the others)."""
    if spec.cost is None:
        return None
    train, predict = spec.cost
    scale = _clip_seconds(data) / 30.0  # the nets' input length
    return n_folds * scale * (train * n_train + predict * n_test)


def _torch_available():
    return (importlib.util.find_spec("torch") is not None
            and importlib.util.find_spec("skorch") is not None)


def _unavailable(spec, data):
    """Why ``spec`` cannot run on ``data`` (None when it can)."""
    if spec.input != "features" and not data.has_audio:
        return "needs audio; the dataset is a feature table"
    if spec.group.startswith("voting") and _segment_duration(data) is None:
        return "clips shorter than two 3-s segments"
    if spec.group == "nets" and not _torch_available():
        return "torch/skorch not installed (pip install skaudio[torch])"
    return None


def resolve_models(models, data):
    """Model specs to run and ``{name: reason}`` of those skipped.

    Models of a preset that cannot run on ``data`` are skipped with a
    reason; a model asked for by name that cannot run raises.

    Parameters
    ----------
    models : str or list of str
        A preset (``default``, ``classical``, ``all``, ``nets``), a
        comma-separated list of names, or a list of names.
    data : BenchmarkData
        The dataset the models would run on.

    Returns
    -------
    specs : list of ModelSpec
    skipped : dict of str to str

    Examples
    --------
    >>> from skaudio.benchmark import load_benchmark_data, resolve_models
    >>> data = load_benchmark_data("builtin:n_per_class=4,duration=1,n_classes=2,sr=8000")
    >>> specs, skipped = resolve_models("svm,knn", data)
    >>> [spec.name for spec in specs], skipped
    (['svm', 'knn'], {})
    """
    if isinstance(models, str):
        names = [m.strip() for m in models.split(",") if m.strip()]
    else:
        names = list(models)
    if not names:
        raise SkaudioError("models is empty; pass a preset such as 'default' or model names.")
    chosen, skipped = [], {}
    for name in names:
        if name in _PRESETS:
            for spec in _SPECS:
                if spec.group in _PRESETS[name] and spec not in chosen:
                    reason = _unavailable(spec, data)
                    if reason is None:
                        chosen.append(spec)
                    else:
                        skipped[spec.name] = reason
            continue
        if name not in MODELS:
            close = difflib.get_close_matches(name, [*MODELS, *_PRESETS], n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            raise SkaudioError(
                f"Unknown model {name!r}. {hint}Choose from {sorted(MODELS)} or a preset "
                f"{sorted(_PRESETS)} (see 'skaudio models')."
            )
        reason = _unavailable(MODELS[name], data)
        if reason is not None:
            raise SkaudioError(f"Model {name!r} cannot run on {data.name!r}: {reason}.")
        if MODELS[name] not in chosen:
            chosen.append(MODELS[name])
    return chosen, {k: v for k, v in skipped.items() if k not in {s.name for s in chosen}}


def _clip_seconds(data):
    """Fixed input length of the nets: the 90th percentile of clip lengths, at most 30 s."""
    lengths = data.durations()
    finite = lengths[np.isfinite(lengths)]
    return float(min(np.percentile(finite, 90), 30.0)) if finite.size else 30.0


def frontend(kind, data, *, feature_set="gtzan", memory=None, n_jobs=None, verbose=0,
             on_error="raise"):
    """The unsupervised per-clip transformer behind an input kind (None for audio)."""
    common = dict(memory=memory, n_jobs=n_jobs, verbose=verbose, on_error=on_error)
    if kind == "features":
        from ..features import LibrosaFeatures

        params = {**data.feature_params, **_feature_set_params(feature_set)}
        params["max_duration"] = params.pop("duration", None)  # "at most": the data's window
        return LibrosaFeatures(**params, **common)
    if kind == "mel":
        from ..spectrogram import MelSpectrogram

        return MelSpectrogram(sr=data.sr, n_fft=1024, hop_length=512, n_mels=64,
                              duration=_clip_seconds(data), **common)
    if kind == "waveform":
        from ..waveform import RawWaveform

        return RawWaveform(sr=8000, duration=_clip_seconds(data), normalize="peak", **common)
    return None


def pipeline(kind, front, head):
    """Front end + head as one estimator taking audio (the head alone for ``"audio"``)."""
    if front is None:
        return head
    return Pipeline([(kind, front), ("model", head)])
