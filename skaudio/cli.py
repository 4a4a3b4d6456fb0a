"""The ``skaudio`` command: ``benchmark``, ``train``, ``predict`` and ``models``.

Examples
--------
::

    skaudio benchmark                                   # built-in data, 5-fold CV
    skaudio benchmark --features gtzan --models svm,svm_tuned
    skaudio benchmark --data features:features_30_sec.csv --split fault-filtered
    skaudio benchmark --data fsdd:recordings --split groups:6 --models svm,knn
    skaudio train --data gtzan:/data/gtzan --model svm --out genre.skops
    skaudio predict genre.skops song1.mp3 song2.flac

Models are saved with skops and loaded trusting skaudio's and scikit-learn's
own types only (:mod:`skaudio.persistence`); a joblib/pickle model file runs
code when loaded, so ``predict`` reads one only with ``--trust-pickle``.

Errors (missing files, unreadable audio, bad options) are printed as one
line on stderr with a non-zero exit status: 1 for a failed run, 2 for bad
usage (a mistyped option gets a "did you mean" suggestion).
"""

import argparse
import difflib
import math
import sys
import warnings
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from . import __version__
from .exceptions import BadClipsWarning, SkaudioError

__all__ = ["main"]

# Longest window any seconds option may ask for: a week of audio is already far
# beyond what one clip can hold, and it keeps sample counts from overflowing.
_MAX_SECONDS = 7 * 24 * 3600.0


class _Parser(argparse.ArgumentParser):
    """argparse with "did you mean" suggestions (Python >= 3.12's suggest_on_error, for 3.10+)."""

    def _check_value(self, action, value):
        if action.choices is not None and value not in action.choices:
            choices = [str(c) for c in action.choices]
            message = f"invalid choice: {value!r} (choose from {', '.join(choices)})"
            close = difflib.get_close_matches(str(value), choices, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
            raise argparse.ArgumentError(action, message)

    def unrecognized(self, extras):
        """Exit with an error naming the unknown arguments and the closest options."""
        # compared without the dashes, which every option shares
        options = {o.lstrip("-"): o for action in self._actions for o in action.option_strings
                   if o.startswith("--")}
        unknown = [arg.partition("=")[0] for arg in extras if arg.startswith("-")]
        hints = []
        for arg in unknown:
            close = difflib.get_close_matches(arg.lstrip("-"), options, n=1, cutoff=0.6)
            if close:
                hints.append(options[close[0]] + (f" (for {arg})" if len(unknown) > 1 else ""))
        message = f"unrecognized arguments: {' '.join(extras)}"
        if hints:
            message += f"; did you mean {', '.join(hints)}?"
        self.error(message)


def _integer(minimum=None, maximum=None, *, nonzero=False):
    """An argparse type: an integer in [minimum, maximum] (and not 0 if ``nonzero``)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if nonzero and value == 0:
            raise argparse.ArgumentTypeError("0 is not allowed; give a positive number, "
                                             "or -1 for all cores")
        if (minimum is not None and value < minimum) or (maximum is not None
                                                           and value > maximum):
            bounds = " and ".join(
                ([] if minimum is None else [f"at least {minimum}"])
                + ([] if maximum is None else [f"at most {maximum}"]))
            raise argparse.ArgumentTypeError(f"{value} is out of range: give {bounds}")
        return value

    return parse


def _seconds(*, zero):
    """An argparse type: a finite number of seconds, > 0 (or >= 0), at most a week."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number of seconds")
        if value < 0 or (value == 0 and not zero):
            least = "0 or more" if zero else "more than 0"
            raise argparse.ArgumentTypeError(f"{text} s: give {least} seconds")
        if value > _MAX_SECONDS:
            raise argparse.ArgumentTypeError(
                f"{text} s is more than a week ({_MAX_SECONDS:.0f} s); give seconds within "
                "the files")
        return value

    return parse

_DATA_HELP = (
    "builtin (generated, default; options as builtin:n_per_class=10,duration=3), "
    "gtzan:PATH, fma:PATH[@subset], folder:PATH, fsdd:PATH ({digit}_{speaker}_{take}.wav) "
    "or features:CSV (the GTZAN feature table)"
)


def _add_data_options(parser):
    parser.add_argument("--data", default="builtin", metavar="SPEC", help=_DATA_HELP)
    parser.add_argument("--label-regex", metavar="RE",
                        help="folder: regex with a named group 'label', searched in file names "
                             "(default: the parent folder's name)")
    parser.add_argument("--group-regex", metavar="RE",
                        help="folder: regex with a named group 'group' (artist, speaker)")
    feat = parser.add_argument_group("feature extraction (LibrosaFeatures; default per dataset)")
    feat.add_argument("--sr", type=_integer(1000, 768000), metavar="HZ",
                      help="sample rate in Hz")
    feat.add_argument("--n-fft", type=_integer(16, 2**20), metavar="N", help="FFT size")
    feat.add_argument("--hop-length", type=_integer(1, 2**20), metavar="N",
                      help="hop between frames, in samples")
    feat.add_argument("--n-mels", type=_integer(1, 1024), metavar="N", help="mel bands")
    feat.add_argument("--n-mfcc", type=_integer(1, 1024), metavar="N", help="MFCCs")
    feat.add_argument("--clip-duration", type=_seconds(zero=False), metavar="SECONDS",
                      help="analyse at most this many seconds of each clip")
    parser.add_argument("--cache", metavar="DIR",
                        help="keep per-clip features in DIR between runs (default: a "
                             "temporary folder)")
    parser.add_argument("--n-jobs", type=_integer(nonzero=True), metavar="N",
                        help="parallel feature extraction (-1: all cores)")
    parser.add_argument("--random-state", type=_integer(0, 2**32 - 1), default=0, metavar="N",
                        help="seed (default 0)")
    parser.add_argument("--on-error", choices=["skip", "raise"], default="skip",
                        help="files that cannot be read (corrupt, truncated): skip (default: "
                             "leave them out, listed on stderr and in the report) or raise "
                             "(stop, listing them all)")


def _features(args):
    names = {"sr": "sr", "n_fft": "n_fft", "hop_length": "hop_length", "n_mels": "n_mels",
             "n_mfcc": "n_mfcc", "clip_duration": "duration"}
    return {param: getattr(args, attr) for attr, param in names.items()
            if getattr(args, attr) is not None}


def _data_kwargs(args):
    return dict(features=_features(args), label_regex=args.label_regex,
                group_regex=args.group_regex, memory=args.cache,
                random_state=args.random_state, n_jobs=args.n_jobs, on_error=args.on_error)


@contextmanager
def _reporting_bad_clips(command):
    """Print the runner's list of left-out clips on stderr, without warning syntax."""
    with warnings.catch_warnings(record=True) as caught:
        yield
    for w in caught:
        if issubclass(w.category, BadClipsWarning):
            print(f"skaudio {command}: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _start_compiling(args):
    """On a fresh install, start compiling the feature kernels now, in a helper process.

    The benchmark modules' imports and the data (made or listed) then take
    the caller's core meanwhile (see :mod:`skaudio._warmup`; importing the
    features would start it later). Not for a feature table: no audio.
    """
    if not str(args.data).startswith("features:"):
        from . import _warmup

        _warmup.start()


def _benchmark(args):
    _start_compiling(args)
    from .benchmark import run_benchmark

    with _reporting_bad_clips("benchmark"):
        results = run_benchmark(args.data, args.split, args.models, args.out,
                                feature_sets=args.features,
                                verbose=0 if args.quiet else 1, **_data_kwargs(args))
    columns = ["model", "features", "accuracy_mean", "accuracy_std", "f1_macro_mean",
               "fit_time_s"]
    print(results.attrs["data"])
    print(results.attrs["split"])
    print(results[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if results.attrs["skipped"]:
        print("skipped: " + "; ".join(f"{k} ({v})" for k, v in results.attrs["skipped"].items()))
    print(f"wrote {Path(args.out) / 'results.md'}")
    return 0


def _train(args):
    _start_compiling(args)
    from .benchmark import train_model
    from .benchmark.models import MODELS

    with _reporting_bad_clips("train"):
        model = train_model(args.data, args.model, feature_set=args.features,
                            verbose=0 if args.quiet else 1, **_data_kwargs(args))
    out = Path(args.out)
    if out.parent != Path():
        out.parent.mkdir(parents=True, exist_ok=True)
    _save(model, out)
    classes = ", ".join(str(c) for c in model.classes_)
    features = f" ({args.features} features)" if MODELS[args.model].per_feature_set else ""
    print(f"trained {args.model}{features} on {args.data} "
          f"({len(model.classes_)} classes: {classes}); saved to {out}")
    return 0


def _save(model, out):
    """skops, unless the name asks for joblib; the training cache is not saved."""
    from .persistence import _PICKLE_SUFFIXES, _estimators, save_model

    for est in _estimators(model):
        if "memory" in vars(est):
            est.memory = None  # the --cache folder of this machine, not part of the model
    if out.suffix.lower() in _PICKLE_SUFFIXES:
        import joblib

        joblib.dump(model, out)
        print(f"skaudio train: warning: {out} is a joblib (pickle) file: loading it runs code, "
              "so 'skaudio predict' needs --trust-pickle for it; save as .skops to avoid that.",
              file=sys.stderr)
    else:
        save_model(model, out)


def _model_sr(model):
    """The sample rate the model's audio front end expects."""
    params = model.get_params(deep=True)
    rates = [v for k, v in params.items() if k == "sr" or k.endswith("__sr")]
    return int(rates[0]) if rates else 22050


def _load_model(args):
    from .persistence import load_model

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            return load_model(args.model, trusted=args.trust, trust_pickle=args.trust_pickle,
                              n_jobs=args.n_jobs)
        finally:  # the pickle warning comes first, whatever happens next
            for w in caught:
                print(f"skaudio predict: warning: {w.message}", file=sys.stderr)


# Files read, analysed and printed at a time: memory stays that of a few clips
# (30 s at 22050 Hz: 2.6 MB each) however many files are given.
_PREDICT_CHUNK = 32


def _predict(args):
    from concurrent.futures import ThreadPoolExecutor

    from joblib import effective_n_jobs

    model = _load_model(args)
    sr = _model_sr(model)
    duration = None if args.duration <= 0 else args.duration
    failed = 0
    read = partial(_read, sr=sr, offset=args.offset, duration=duration)
    chunks = [args.audio[start:start + _PREDICT_CHUNK]
              for start in range(0, len(args.audio), _PREDICT_CHUNK)]
    # decoding and resampling release the GIL: threads read the next chunk's files
    # while the model's own transformers analyse this chunk on args.n_jobs processes
    with ThreadPoolExecutor(max_workers=effective_n_jobs(args.n_jobs)) as pool:
        pending = [pool.submit(read, name) for name in chunks[0]] if chunks else []
        for i, names in enumerate(chunks):
            clips = [future.result() for future in pending]
            if i + 1 < len(chunks):
                pending = [pool.submit(read, name) for name in chunks[i + 1]]
            good = [(name, clip) for name, clip in zip(names, clips, strict=True)
                    if clip is not None]
            failed += len(names) - len(good) + _predict_chunk(model, good)
            sys.stdout.flush()
    return 1 if failed else 0


def _read(name, *, sr, offset, duration):
    from .io import load_audio

    try:
        return load_audio(name, sr=sr, offset=offset, duration=duration)
    except SkaudioError as exc:
        print(f"skaudio predict: error: {exc}", file=sys.stderr)
        return None


def _predict_chunk(model, good):
    """Print one line per clip; a clip the model rejects is reported alone."""
    if not good:
        return 0
    names, clips = [n for n, _ in good], [c for _, c in good]
    try:
        if hasattr(model, "predict_proba"):
            proba = model.predict_proba(clips)
            labels = model.classes_[proba.argmax(axis=1)]
            scores = [f"{p:.3f}" for p in proba.max(axis=1)]
        else:
            labels, scores = model.predict(clips), ["n/a"] * len(clips)
    except SkaudioError as exc:
        if len(good) == 1:
            print(f"skaudio predict: error: {names[0]}: {exc}", file=sys.stderr)
            return 1
        return sum(_predict_chunk(model, [item]) for item in good)
    for name, label, score in zip(names, labels, scores, strict=True):
        print(f"{name}\t{label}\t{score}")
    return 0


def _models(args):
    from .benchmark import list_models

    print(list_models().to_string(index=False))
    return 0


def _parser():
    parser = _Parser(
        prog="skaudio", description="Audio classification with scikit-learn: benchmark "
        "models, train one, classify your own audio files.")
    parser.add_argument("--version", action="version", version=f"skaudio {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.commands = sub.choices  # name -> subcommand parser, for its own usage errors

    bench = sub.add_parser("benchmark", help="evaluate many models on one dataset",
                           description="Evaluate models on one dataset with one split "
                           "protocol; write results.csv, results.md and plots.")
    _add_data_options(bench)
    bench.add_argument("--split", default="cv:5", metavar="SPEC",
                       help="cv:K (stratified K-fold, default cv:5), groups:K "
                            "(StratifiedGroupKFold on artists/speakers), logo (leave one "
                            "group out), fault-filtered (artist-filtered GTZAN)")
    bench.add_argument("--models", default="default", metavar="LIST",
                       help="default (classical incl. the nested-CV tuned svm_tuned, + segment "
                            "voting), classical, all (+ nets), nets, or names such as "
                            "svm,knn,cnn (see 'skaudio models')")
    bench.add_argument("--features", metavar="LIST",
                       help="feature sets for the feature models and segment voting, each "
                            "model once per set: gtzan (the 57 GTZAN columns), full (every "
                            "feature family) or gtzan,full (default: every set the data allow)")
    bench.add_argument("--out", default="skaudio-benchmark", metavar="DIR",
                       help="output folder (default ./skaudio-benchmark)")
    bench.add_argument("-q", "--quiet", action="store_true",
                       help="no progress bars, no per-epoch lines of the nets")
    bench.set_defaults(func=_benchmark)

    train = sub.add_parser("train", help="fit one model on a whole dataset and save it",
                           description="Fit one model on all of a dataset; save it with "
                           "skops (a .joblib/.pkl name saves with joblib, which runs code "
                           "when loaded).")
    _add_data_options(train)
    train.add_argument("--model", default="svm", help="a model name (default svm)")
    train.add_argument("--features", default="gtzan", choices=["gtzan", "full"],
                       help="the feature set of a feature model (default gtzan)")
    train.add_argument("--out", required=True, metavar="FILE",
                       help="where to save the model (e.g. genres.skops)")
    train.add_argument("-q", "--quiet", action="store_true",
                       help="no progress bars, no per-epoch lines of the nets")
    train.set_defaults(func=_train)

    predict = sub.add_parser("predict", help="classify audio files with a saved model",
                             description="Print each file's predicted label and its "
                             "probability, tab-separated, as soon as they are known (files "
                             "are read and analysed a few dozen at a time).")
    predict.add_argument("model", metavar="FILE",
                         help="a model saved by 'skaudio train' (.skops: loaded without "
                              "running code from it)")
    predict.add_argument("audio", nargs="+", metavar="AUDIO", help="audio files")
    predict.add_argument("--duration", type=_seconds(zero=True), default=30.0,
                         metavar="SECONDS",
                         help="seconds of each file to analyse (default 30; 0: all)")
    predict.add_argument("--offset", type=_seconds(zero=True), default=0.0, metavar="SECONDS",
                         help="start this many seconds into each file")
    predict.add_argument("--n-jobs", type=_integer(nonzero=True), metavar="N",
                         help="files read and analysed in parallel (-1: all cores)")
    predict.add_argument("--trust", action="append", default=[], metavar="TYPE",
                         help="also trust this type in a skops file (repeatable); only a "
                              "type you checked, as named in the refusal")
    predict.add_argument("--trust-pickle", action="store_true",
                         help="load a joblib/pickle model file; this RUNS ANY CODE stored in "
                              "it: only for a file you made yourself and nobody could change")
    predict.set_defaults(func=_predict)

    models = sub.add_parser("models", help="list the benchmark's models")
    models.set_defaults(func=_models)
    return parser


def main(argv=None):
    """Run the ``skaudio`` command line; return the exit status.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; None reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 1 on an error (reported on stderr), 2 on bad usage.

    Examples
    --------
    >>> from skaudio.cli import main
    >>> main(["models"])  # doctest: +ELLIPSIS
       name ...
    0
    """
    parser = _parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        parser.commands.get(args.command, parser).unrecognized(extras)
    try:
        return args.func(args)
    except (SkaudioError, OSError, ValueError, ImportError) as exc:
        print(f"skaudio {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"skaudio {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
