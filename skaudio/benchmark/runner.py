"""The runner: many models, one dataset, one split protocol, one table.

:func:`run_benchmark` evaluates classical models on :class:`LibrosaFeatures`,
segment voting and (with torch) neural nets on exactly the same splits, and
writes ``results.csv``, ``results.md``, per-fold scores and plots.

Each clip's features are computed **once** per dataset, before splitting,
then every model is fitted and scored on those precomputed rows inside each
training fold. This is honest: a clip's features depend only on that clip
(no statistic is learned across clips), so computing them inside or outside
the folds gives the same numbers; everything that *is* learned (scalers,
classifiers) is fitted on training folds only. The same holds for the
mel-spectrogram and waveform tensors of the nets. Segment voting cuts clips
inside its own ``fit``/``predict``, with a per-clip cache so each segment's
features are also computed once.

:func:`train_model` fits one model on a whole dataset and returns it as one
estimator that takes audio (paths or waveforms), ready for
:func:`skaudio.persistence.save_model` (skops).
"""

import sys
import tempfile
import time
import warnings
from contextlib import contextmanager, nullcontext, redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold
from threadpoolctl import threadpool_limits

from .._parallel import count_clips
from .._sklearn_compat import take
from ..exceptions import BadClipsWarning, SkaudioError
from .data import load_benchmark_data, make_splitter
from .models import (
    Build,
    estimate_seconds,
    frontend,
    pipeline,
    resolve_feature_sets,
    resolve_models,
)
from .report import run_label, write_report

__all__ = ["run_benchmark", "train_model"]


@contextmanager
def _cache_location(memory):
    if memory is not None:
        yield memory
    else:
        with tempfile.TemporaryDirectory(prefix="skaudio-bench-") as tmp:
            yield tmp


def run_benchmark(data="builtin", split="cv:5", models="default", out=None, *, features=None,
                  feature_sets=None, label_regex=None, group_regex=None, memory=None,
                  random_state=0, n_jobs=None, on_error="skip", verbose=1):
    """Evaluate models on one dataset with one split protocol.

    Parameters
    ----------
    data : str or Bunch, default="builtin"
        ``"builtin"`` (:func:`~skaudio.datasets.make_genres`: 6 genres x 20
        clips of 6 s; options as ``"builtin:n_per_class=10,duration=3"``),
        ``"gtzan:PATH"``, ``"fma:PATH"`` (``"fma:PATH@medium"`` for another
        subset), ``"folder:PATH"``, ``"fsdd:PATH"`` (a folder of
        ``{digit}_{speaker}_{take}.wav``), ``"features:CSV"`` (the GTZAN
        feature table; feature models only), or a Bunch with ``data``,
        ``target`` and optionally ``groups`` and ``sr``.
    split : str, default="cv:5"
        ``"cv:K"`` stratified K-fold on shuffled clips; ``"groups:K"``
        StratifiedGroupKFold on the dataset's groups (artists, speakers);
        ``"logo"`` leave one group out; ``"fault-filtered"`` the
        artist-filtered GTZAN split (train+valid vs test).
    models : str or list of str, default="default"
        A preset: ``"default"`` (the classical models and segment voting),
        ``"classical"``, ``"all"`` (adds the nets and hard voting),
        ``"nets"``; or names, e.g. ``"dummy,svm,cnn"`` (see
        :func:`list_models`). Preset models that cannot run on the data
        (voting on short clips, nets without torch, anything but features
        on a feature table) are skipped and listed in the report.
    out : str, path-like or None, default=None
        Folder to write ``results.csv``, ``folds.csv``, ``results.md``,
        ``confusion_<model>_<feature set>.png`` and ``summary.png`` (the
        plots need matplotlib). None writes nothing.
    features : dict or None, default=None
        :class:`~skaudio.LibrosaFeatures` parameters overriding the
        dataset's defaults (e.g. ``{"n_mfcc": 13}``), for every feature set.
    feature_sets : str, list of str or None, default=None
        The LibrosaFeatures presets that the feature models (and segment
        voting) run on, each model once per set: ``"gtzan"`` (the 57 GTZAN
        columns), ``"full"`` (every feature family), or both as
        ``"gtzan,full"``. Each set's features are computed once per clip.
        None runs every set that the data allow (a feature table holds
        ``"gtzan"`` only).
    label_regex, group_regex : str or None, default=None
        For ``folder:`` data: regular expressions with a named group
        ``label`` / ``group``, searched in each file name.
    memory : str or None, default=None
        A per-clip cache folder to keep between runs; None caches in a
        temporary folder for this run only.
    random_state : int, default=0
        Seed of the built-in data, the shuffled splits and every model.
    n_jobs : int or None, default=None
        Parallel feature extraction (joblib); -1 uses all cores.
    on_error : {"skip", "raise"}, default="skip"
        What clips that cannot be read or processed (a corrupt or truncated
        file) do. ``"skip"``: they are left out before splitting, so the
        other clips give exactly the results they give without them; they
        are listed in one warning, in ``results.attrs["bad_clips"]`` and in
        ``results.md``. ``"raise"``: one error lists all of them.
    verbose : int, default=1
        When > 0: progress bars, and a line per epoch of each net (on stderr).

    Returns
    -------
    results : DataFrame
        One row per model and feature set: ``model``, ``features`` (the
        feature set, ``"-"`` for models that ignore it), ``description``,
        ``input``, ``accuracy_mean``, ``accuracy_std``, ``f1_macro_mean``,
        ``f1_macro_std`` (over folds), ``fit_time_s`` (mean per fold),
        ``predict_ms_per_clip``, ``input_ms_per_clip`` (the one-off
        per-clip cost of the model's precomputed input) and ``n_folds``.
        ``results.attrs`` holds ``classes``, ``confusion`` (per model and
        feature set, e.g. ``"svm [gtzan]"``, summed over folds), ``folds``
        (per-fold DataFrame), ``skipped``, ``feature_sets``, ``bad_clips``
        (``{name: reason}`` of the clips left out), ``data`` and ``split``
        descriptions.

    Examples
    --------
    >>> from skaudio.benchmark import run_benchmark
    >>> results = run_benchmark("builtin:n_per_class=6,duration=1,n_classes=2", "cv:2",
    ...                         models="dummy,svm", feature_sets="gtzan", verbose=0)
    >>> results[["model", "features"]].values.tolist()
    [['dummy', '-'], ['svm', 'gtzan']]
    >>> float(results.loc[0, "accuracy_mean"])
    0.5
    """
    _check_on_error(on_error)
    bench = load_benchmark_data(data, features=features, label_regex=label_regex,
                                group_regex=group_regex, random_state=random_state)
    mask, cv, split_desc = make_splitter(split, bench, random_state=random_state)
    specs, skipped = resolve_models(models, bench)
    sets, skipped_sets = resolve_feature_sets(feature_sets, bench)
    index = np.flatnonzero(mask)
    with _cache_location(memory) as cache:
        inputs, input_ms, bad = {}, {}, {}  # bad: position in index -> BadClip

        def compute(kind, feature_set=None):
            """Compute one input over the rows taking part; return its bad clips."""
            start = time.perf_counter()
            failed = []
            if kind == "features" and bench.features is not None:
                inputs[kind, feature_set] = bench.features[index]
            elif kind == "audio":
                inputs[kind, feature_set] = take(bench.X, index)
            else:
                front = frontend(kind, bench, feature_set=feature_set or "gtzan", memory=cache,
                                 n_jobs=n_jobs, verbose=verbose, on_error="nan")
                inputs[kind, feature_set], failed = _transform_all(
                    front, take(bench.X, index), f"the {feature_set or kind} input")
            elapsed = 0.0 if kind == "audio" or bench.X is None else time.perf_counter() - start
            input_ms[kind, feature_set] = 1000 * elapsed / len(index)
            return {b.index: b for b in failed}

        if any(spec.per_feature_set and spec.input == "features" for spec in specs):
            # Each set's features first: a set run by default (not asked for by name)
            # that fails on this data (e.g. a preset's bands above a low Nyquist) is
            # skipped with the reason, and no model runs on it.
            for fs in list(sets):
                by_default = feature_sets is None and fs != sets[0]
                try:
                    failed = compute("features", fs)
                    new = [b for i, b in failed.items() if i not in bad]
                    if new and by_default:
                        # clips the first set read well: the set, not the clips, is at fault
                        raise SkaudioError(f"{new[0].name}: {new[0].reason}")
                except SkaudioError as exc:
                    if not by_default:
                        raise
                    sets.remove(fs)
                    skipped_sets[f"{fs} features"] = f"failed on this data: {exc}"
                    continue
                bad.update(failed)
        # (model, feature set) pairs; a model that ignores features reads the first set
        runs = [(spec, fs if spec.per_feature_set else "-")
                for spec in specs for fs in (sets if spec.per_feature_set else sets[:1])]
        for spec, fs in runs:
            if _input_key(spec, fs, sets) not in inputs:
                bad.update(compute(*_input_key(spec, fs, sets)))
        if bench.X is not None and set(inputs) == {("audio", None)}:
            bad.update(_probe(bench, index, n_jobs=n_jobs, verbose=verbose))
        bad_clips = {b.name: b.reason for _, b in sorted(bad.items())}
        if bad:
            _check_bad_clips([b for _, b in sorted(bad.items())], len(index), on_error)
            # leave the bad clips out before splitting, as if they were not there
            good = np.setdiff1d(np.arange(len(index)), list(bad))
            bench = bench.subset(np.setdiff1d(np.arange(len(bench.y)), index[list(bad)]))
            mask, cv, split_desc = make_splitter(split, bench, random_state=random_state)
            index = np.flatnonzero(mask)
            inputs = {key: take(value, good) for key, value in inputs.items()}
        y = bench.y[index]
        groups = None if bench.groups is None else bench.groups[index]
        grouped = isinstance(cv, StratifiedGroupKFold | LeaveOneGroupOut)
        folds = list(cv.split(np.zeros((len(y), 1)), y, groups if grouped else None))
        classes = np.unique(y)
        context = dict(random_state=random_state, data=bench, memory=cache,
                       grouped=grouped and groups is not None, verbose=int(verbose))
        if verbose:
            _announce_costs(runs, folds, bench)
        fold_rows, confusion = _evaluate(runs, sets, folds, inputs, y, classes, groups,
                                         context, verbose=verbose)
    results = _summarize(runs, sets, pd.DataFrame(fold_rows), input_ms)
    summary = bench.summary()
    if bad_clips:
        summary += f" ({len(bad_clips)} unreadable clips left out)"
    results.attrs.update(
        classes=[str(c) for c in classes], confusion=confusion,
        skipped={**skipped, **skipped_sets}, feature_sets=sets, bad_clips=bad_clips,
        folds=pd.DataFrame(fold_rows), data=summary,
        split=f"{split}: {split_desc}", n_clips=int(len(y)),
    )
    if out is not None:
        write_report(results, Path(out))
    return results


def _announce_costs(runs, folds, bench):
    """Say up front what the slow (net) models will roughly cost."""
    n_train = int(np.mean([len(train) for train, _ in folds]))
    n_test = int(np.mean([len(test) for _, test in folds]))
    for spec, _ in runs:
        estimate = estimate_seconds(spec, bench, n_train, n_test, len(folds))
        if estimate is not None and estimate > 30:
            print(f"{spec.name}: about {max(1, round(estimate / 60))} min for {len(folds)} "
                  f"folds of {n_train} training clips (a rough estimate for 2 CPU cores)",
                  file=sys.stderr, flush=True)


_ON_ERROR = ("skip", "raise")


def _check_on_error(on_error):
    if on_error not in _ON_ERROR:
        raise SkaudioError(f"on_error must be 'skip' or 'raise'; got {on_error!r}.")


def _transform_all(front, X, what):
    """``front.fit_transform(X)`` with bad clips as NaN rows; (rows, bad clips).

    Every clip failing is not a matter of bad files: it raises, naming the first.
    """
    with count_clips() as counts, warnings.catch_warnings():
        warnings.simplefilter("ignore", BadClipsWarning)  # the runner reports them itself, once
        values = front.fit_transform(X)
    failed = counts.bad_clips
    if failed and len(failed) == len(X):
        raise SkaudioError(f"{what} failed on every clip; the first, "
                           f"{_reason(failed[0].name, failed[0].reason)}")
    return values, failed


def _reason(name, reason):
    """A bad clip's reason, naming it once."""
    return reason if name in reason else f"{name}: {reason}"


def _probe(bench, index, *, n_jobs=None, verbose=0):
    """Read every clip once (when no front end did): ``{position: BadClip}``."""
    from .._clips import as_clips
    from .._parallel import map_clips

    params = bench.feature_params
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BadClipsWarning)  # the caller reports them, once
        _, failed = map_clips(_n_samples, as_clips(take(bench.X, index)), sr=bench.sr,
                              params={}, offset=params.get("offset", 0.0),
                              duration=params.get("duration"), n_jobs=n_jobs,
                              on_error="nan", verbose=verbose, out_shape=(1,))
    if failed and len(failed) == len(index):
        raise SkaudioError("No clip could be read; the first, "
                           f"{_reason(failed[0].name, failed[0].reason)}")
    return {b.index: b for b in failed}


def _n_samples(y, sr):
    return np.array([y.size], dtype=np.float64)


def _check_bad_clips(bad, n_clips, on_error):
    """Raise, listing every bad clip at once, or warn that they are left out.

    The warning is a :class:`~skaudio.BadClipsWarning` whose ``bad_clips``
    hold them as data (their ``index`` is the clip's row among the rows run).
    """
    message = (f"{len(bad)} of {n_clips} clips could not be read or processed:\n"
               + "\n".join(f"  {_reason(b.name, b.reason)}" for b in bad))
    if on_error == "raise":
        raise SkaudioError(message + "\nFix or remove them, or leave them out with "
                           "on_error='skip' (--on-error skip).")
    warnings.warn(BadClipsWarning(message + "\nThey are left out.", bad), stacklevel=3)


def _input_key(spec, fs, sets):
    """Which precomputed input a run reads: (kind, feature set or None)."""
    if spec.input == "features":
        return "features", sets[0] if fs == "-" else fs
    return spec.input, None


def _describe_groups(groups, index, limit=6):
    """The test groups of a fold, for the per-fold table ("" without groups)."""
    if groups is None:
        return ""
    names = [str(g) for g in np.unique(groups[index])]
    return " ".join(names[:limit]) + (f" +{len(names) - limit}" if len(names) > limit else "")


def _evaluate(runs, sets, folds, inputs, y, classes, groups, context, *, verbose):
    """Fit and score every run on every fold; per-fold rows and summed confusions."""
    bar = None
    if verbose:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(runs) * len(folds), desc="models x folds", unit="fit")
    rows, confusion = [], {}
    try:
        for spec, fs in runs:
            label = run_label(spec.name, fs)
            template = spec.make(Build(**context, feature_set=sets[0] if fs == "-" else fs))
            X = inputs[_input_key(spec, fs, sets)]
            cm = np.zeros((len(classes), len(classes)), dtype=int)
            for i, (train, test) in enumerate(folds):
                if bar is not None:
                    bar.set_postfix_str(label)
                model = clone(template)
                fit_params = ({"groups": groups[train]}
                              if spec.fit_groups and context["grouped"] else {})
                # Small dense problems: BLAS threads only add contention (an MLP fold
                # ran 50x slower on 2 busy cores); nets keep torch's own threading.
                limit = 1 if spec.group == "classical" else None
                with warnings.catch_warnings(), threadpool_limits(limits=limit), \
                        _progress_to_stderr(spec, verbose):
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.filterwarnings("ignore", message="Variables are collinear")
                    start = time.perf_counter()
                    model.fit(take(X, train), y[train], **fit_params)
                    fit_time = time.perf_counter() - start
                    start = time.perf_counter()
                    pred = np.asarray(model.predict(take(X, test)))
                    predict_time = time.perf_counter() - start
                cm += confusion_matrix(y[test], pred, labels=classes)
                rows.append({
                    "model": spec.name, "features": fs, "fold": i, "n_train": len(train),
                    "n_test": len(test), "test_groups": _describe_groups(groups, test),
                    "accuracy": accuracy_score(y[test], pred),
                    "f1_macro": f1_score(y[test], pred, labels=classes, average="macro",
                                         zero_division=0),
                    "fit_time_s": fit_time, "predict_ms_per_clip": 1000 * predict_time / len(test),
                })
                if bar is not None:
                    bar.update()
            confusion[label] = cm.tolist()
    finally:
        if bar is not None:
            bar.close()
    return rows, confusion


def _progress_to_stderr(spec, verbose):
    """The nets' epoch lines go to stderr, with the progress bars, not into the results."""
    return redirect_stdout(sys.stderr) if verbose and spec.group == "nets" else nullcontext()


def _summarize(runs, sets, folds, input_ms):
    rows = []
    for spec, fs in runs:
        f = folds[(folds["model"] == spec.name) & (folds["features"] == fs)]
        rows.append({
            "model": spec.name, "features": fs, "description": spec.description,
            "input": spec.input,
            "accuracy_mean": f["accuracy"].mean(), "accuracy_std": f["accuracy"].std(ddof=0),
            "f1_macro_mean": f["f1_macro"].mean(), "f1_macro_std": f["f1_macro"].std(ddof=0),
            "fit_time_s": f["fit_time_s"].mean(),
            "predict_ms_per_clip": f["predict_ms_per_clip"].mean(),
            "input_ms_per_clip": input_ms[_input_key(spec, fs, sets)], "n_folds": len(f),
        })
    return pd.DataFrame(rows)


def train_model(data="builtin", model="svm", *, features=None, feature_set="gtzan",
                label_regex=None, group_regex=None, memory=None, random_state=0, n_jobs=None,
                on_error="skip", verbose=0):
    """Fit one benchmark model on a whole dataset, as an estimator taking audio.

    The result is a :class:`~sklearn.pipeline.Pipeline` (front end such as
    :class:`~skaudio.LibrosaFeatures`, then the model) or a
    :class:`~skaudio.SegmentVotingClassifier`, so ``predict`` takes file
    paths or waveforms at the data's sample rate. Trained on a feature table
    (``features:CSV``), the front end computes the same 57 features from
    the first 30 s of new audio. Models without ``predict_proba`` (``svm``)
    are calibrated with ``CalibratedClassifierCV(..., ensemble=False)`` so
    that predictions come with probabilities.

    Parameters
    ----------
    data : str or Bunch, default="builtin"
        As in :func:`run_benchmark`.
    model : str, default="svm"
        A model name from :func:`list_models`.
    features : dict or None, default=None
        As in :func:`run_benchmark`.
    feature_set : {"gtzan", "full"}, default="gtzan"
        The LibrosaFeatures preset of a feature model (or of segment voting);
        a feature table holds ``"gtzan"`` only.
    label_regex, group_regex, memory, random_state, n_jobs, on_error, verbose
        As in :func:`run_benchmark`: with ``on_error="skip"`` the model is
        trained on the clips that can be read, and the others are listed in
        one warning.

    Returns
    -------
    estimator : fitted estimator
        With ``classes_``, ``predict`` and ``predict_proba``.

    Examples
    --------
    >>> from skaudio.benchmark import train_model
    >>> from skaudio.datasets import make_genres
    >>> model = train_model("builtin:n_per_class=6,duration=1,n_classes=2", "logreg")
    >>> clips = make_genres(n_per_class=2, duration=1.0, n_classes=2, random_state=1).data
    >>> model.predict_proba(clips).shape
    (4, 2)
    """
    _check_on_error(on_error)
    bench = load_benchmark_data(data, features=features, label_regex=label_regex,
                                group_regex=group_regex, random_state=random_state)
    specs, _ = resolve_models(model, bench)
    if len(specs) != 1:
        raise ValueError(f"train_model fits one model; got {model!r}.")
    spec = specs[0]
    (feature_set,), _ = resolve_feature_sets([feature_set], bench)
    # The saved front end keeps its defaults (no n_jobs, silent, raising on a bad
    # clip); the one that computes the training inputs is a configured copy of it.
    front = frontend(spec.input, bench, feature_set=feature_set, memory=memory)
    inputs = None
    if bench.features is not None:
        inputs = bench.features
    elif bench.X is not None:
        every = np.arange(len(bench.y))
        if front is None:  # segment voting reads the clips itself: read them once first
            bad = _probe(bench, every, n_jobs=n_jobs, verbose=verbose)
        else:
            configured = clone(front).set_params(n_jobs=n_jobs, verbose=verbose, on_error="nan")
            inputs, failed = _transform_all(configured, bench.X, f"the {spec.input} input")
            bad = {b.index: b for b in failed}
        if bad:
            _check_bad_clips([b for _, b in sorted(bad.items())], len(every), on_error)
            good = np.setdiff1d(every, list(bad))
            bench = bench.subset(good)
            inputs = None if inputs is None else inputs[good]
    head = spec.make(Build(random_state, bench, memory, feature_set=feature_set,
                           verbose=int(verbose)))
    if not hasattr(head, "predict_proba"):
        from sklearn.calibration import CalibratedClassifierCV

        head = CalibratedClassifierCV(head, ensemble=False)
    with warnings.catch_warnings(), _progress_to_stderr(spec, verbose):
        warnings.simplefilter("ignore", ConvergenceWarning)
        if front is None:  # segment voting
            return head.fit(bench.X, bench.y)
        head.fit(inputs, bench.y)
        if bench.X is None:
            # a feature table: the front end learns nothing and is fitted on a
            # silent clip only to be ready for new audio
            front.fit([np.zeros(bench.sr, dtype=np.float32)])
        else:
            front.fit(bench.X)
    return pipeline(spec.input, front, head)
