"""Tests for the ``skaudio`` command line: benchmark, train, predict, models."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from skaudio.cli import main
from skaudio.datasets import make_genres
from skaudio.exceptions import AudioValueError, SkaudioError

EASY = "builtin:n_per_class=6,duration=1,n_classes=2,difficulty=0,sr=8000"


@pytest.fixture(scope="module")
def song_folder(tmp_path_factory):
    """Two genres of generated 'songs' as wav files in label folders, plus a bad file."""
    root = tmp_path_factory.mktemp("songs")
    bunch = make_genres(n_per_class=6, duration=1.0, n_classes=2, difficulty=0, sr=8000,
                        random_state=0)
    for i, (y, label) in enumerate(zip(bunch.data, bunch.target, strict=True)):
        (root / "train" / label).mkdir(parents=True, exist_ok=True)
        sf.write(root / "train" / label / f"{label}_{i}.wav", y, 8000)
    new = make_genres(n_per_class=1, duration=1.5, n_classes=2, difficulty=0, sr=16000,
                      random_state=1)
    songs = []
    for y, label in zip(new.data, new.target, strict=True):
        songs.append(root / f"my_{label}.wav")
        sf.write(songs[-1], y, 16000)  # another sample rate: resampled on load
    (root / "broken.wav").write_bytes(b"RIFF not really audio")
    return root, songs, list(new.target)


def test_benchmark_writes_results(tmp_path, capsys):
    out = tmp_path / "bench"
    status = main(["benchmark", "--data", EASY, "--split", "cv:2", "--models", "dummy,svm",
                   "--features", "gtzan", "--out", str(out), "--quiet"])
    assert status == 0
    printed = capsys.readouterr().out
    assert "svm" in printed and "results.md" in printed
    results = pd.read_csv(out / "results.csv")
    assert results["model"].tolist() == ["dummy", "svm"]
    assert results["features"].tolist() == ["-", "gtzan"]
    assert results["accuracy_mean"].iloc[1] > results["accuracy_mean"].iloc[0]


def test_train_then_predict_round_trip(song_folder, tmp_path, capsys):
    root, songs, labels = song_folder
    model = tmp_path / "models" / "genre.skops"
    assert main(["train", "--data", f"folder:{root / 'train'}", "--model", "logreg",
                 "--sr", "8000", "--out", str(model), "--quiet"]) == 0
    assert model.is_file()
    capsys.readouterr()
    assert main(["predict", str(model), *map(str, songs)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    from skaudio.persistence import load_model

    # the printed probability is the saved model's own, for the label it prints
    expected = load_model(model).predict_proba([str(s) for s in songs]).max(axis=1)
    for line, song, label, top in zip(lines, songs, labels, expected, strict=True):
        name, predicted, proba = line.split("\t")
        assert name == str(song) and predicted == label and proba == f"{top:.3f}"


def test_predict_reports_bad_files_on_one_line(song_folder, tmp_path, capsys):
    root, songs, _ = song_folder
    model = tmp_path / "m.skops"
    assert main(["train", "--data", EASY, "--model", "svm", "--out", str(model), "-q"]) == 0
    capsys.readouterr()
    status = main(["predict", str(model), str(songs[0]), str(root / "broken.wav"),
                   str(root / "missing.mp3")])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out.count("\n") == 1 and str(songs[0]) in captured.out
    errors = captured.err.strip().splitlines()
    assert len(errors) == 2 and "broken.wav" in errors[0] and "missing.mp3" in errors[1]


class _SpyModel:
    """Records the batches it is given; rejects clips shorter than 1 s like a bad file."""

    classes_ = np.array(["a", "b"])

    def __init__(self):
        self.calls = []

    def get_params(self, deep=True):
        return {"sr": 8000}

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_proba(self, X):
        self.calls.append((len(X), sys.stdout.getvalue().count("\n")))
        if any(len(x) < 8000 for x in X):
            raise AudioValueError("clip[0] is too short for this model")
        return np.tile([0.25, 0.75], (len(X), 1))


def test_predict_streams_files_in_chunks(song_folder, tmp_path, monkeypatch, capsys):
    """Files are read and predicted a chunk at a time; lines appear chunk by chunk."""
    import skaudio.cli
    import skaudio.persistence

    root, songs, _ = song_folder
    spy = _SpyModel()
    monkeypatch.setattr(skaudio.persistence, "load_model", lambda *a, **k: spy)
    monkeypatch.setattr(skaudio.cli, "_PREDICT_CHUNK", 2)
    short = tmp_path / "short.wav"
    sf.write(short, np.zeros(800, dtype=np.float32), 8000)
    files = [*songs, str(root / "broken.wav"), str(short), *songs]
    assert main(["predict", "model.skops", *map(str, files), "--n-jobs", "2"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(s) for s in songs * 2]
    assert all(line.endswith("\tb\t0.750") for line in lines)
    # chunks of 2: [song, song], [broken (not read), short (retried alone)], [song, song]
    assert spy.calls == [(2, 0), (1, 2), (2, 2)]
    errors = captured.err.splitlines()
    assert len(errors) == 2 and "broken.wav" in errors[0]
    assert f"{short}: clip[0] is too short" in errors[1]


@pytest.fixture(scope="module")
def bad_folder(song_folder, tmp_path_factory):
    """The training songs plus two corrupt files, in label folders."""
    import shutil

    root = tmp_path_factory.mktemp("bad") / "songs"
    shutil.copytree(song_folder[0] / "train", root)
    labels = sorted(p.name for p in root.iterdir())
    (root / labels[0] / "zz_not_audio.wav").write_bytes(b"RIFF not really audio")
    (root / labels[1] / "aa_empty.wav").write_bytes(b"")
    return song_folder[0] / "train", root


def test_benchmark_leaves_bad_files_out_and_lists_them_all(bad_folder, tmp_path, capsys):
    good, bad = bad_folder
    common = ["--split", "cv:2", "--models", "dummy,svm", "--features", "gtzan", "-q"]
    assert main(["benchmark", "--data", f"folder:{good}", "--out", str(tmp_path / "good"),
                 *common]) == 0
    capsys.readouterr()
    assert main(["benchmark", "--data", f"folder:{bad}", "--out", str(tmp_path / "bad"),
                 *common]) == 0  # --on-error skip is the default
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "UserWarning" not in captured.err
    assert captured.err.startswith("skaudio benchmark: warning: 2 of 14 clips")
    assert "zz_not_audio.wav" in captured.err and "aa_empty.wav" in captured.err
    assert "2 unreadable clips left out" in captured.out
    report = (tmp_path / "bad" / "results.md").read_text()
    assert "Left out**: 2 clips" in report
    assert "zz_not_audio.wav" in report and "aa_empty.wav" in report
    # the good clips' results are those of the folder without the bad files
    columns = ["model", "features", "accuracy_mean", "accuracy_std", "f1_macro_mean"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "bad" / "results.csv")[columns],
                                  pd.read_csv(tmp_path / "good" / "results.csv")[columns])
    # --on-error raise: one error naming both files
    assert main(["benchmark", "--data", f"folder:{bad}", "--on-error", "raise",
                 "--out", str(tmp_path / "raise"), *common]) == 1
    err = capsys.readouterr().err
    assert "zz_not_audio.wav" in err and "aa_empty.wav" in err and "--on-error skip" in err


def test_train_skips_bad_files(bad_folder, tmp_path, capsys):
    model = tmp_path / "m.skops"
    assert main(["train", "--data", f"folder:{bad_folder[1]}", "--model", "logreg",
                 "--sr", "8000", "--out", str(model), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("skaudio train: warning: 2 of 14 clips")
    assert model.is_file() and "2 classes" in captured.out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--sr", "8000"], r"\(sr=8000\).*Leave out --sr,"),
        (["--n-mfcc", "13", "--clip-duration", "10"],
         r"\(n_mfcc=13, duration=10.0\).*Leave out --n-mfcc/--clip-duration,"),
    ],
)
@pytest.mark.parametrize("command", ["train", "benchmark"])
def test_a_feature_table_rejects_feature_settings(command, options, message, tmp_path, capsys):
    table = tmp_path / "features_30_sec.csv"
    table.write_text("filename,label\n")
    out = ["--out", str(tmp_path / "m.skops")]
    assert main([command, "--data", f"features:{table}", *options, *out]) == 1
    err = capsys.readouterr().err
    assert re.search(message, err) and "computed with librosa's defaults" in err
    assert not (tmp_path / "m.skops").exists()


def test_a_feature_table_that_is_audio_is_named(song_folder, tmp_path, capsys):
    wav = song_folder[1][0]
    assert main(["train", "--data", f"features:{wav}", "--out", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert f"{str(wav)!r} is not a CSV feature table" in err and "folder:PATH" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["benchmark", "--data", "nope"], "Unknown data spec"),
        (["benchmark", "--data", EASY, "--split", "groups:50"], "at most groups:"),
        (["benchmark", "--data", EASY, "--features", "gtzan,mfcc"], "Unknown feature set"),
        (["train", "--data", "folder:/no/such/folder", "--out", "x.skops"], "is not a folder"),
        (["predict", "/no/such/model.skops", "a.wav"], "not found"),
    ],
)
def test_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_predict_rejects_a_file_that_is_not_a_model(tmp_path, capsys):
    fake = tmp_path / "fake.joblib"
    fake.write_text("hello")
    assert main(["predict", str(fake), "a.wav"]) == 1
    assert "is a joblib/pickle file" in capsys.readouterr().err
    # written here, by this test: the one kind of pickle that may be opened in-process
    assert main(["predict", str(fake), "a.wav", "--trust-pickle"]) == 1
    err = capsys.readouterr().err
    assert "runs any code" in err and "not a model saved by 'skaudio train'" in err
    (tmp_path / "fake.skops").write_text("hello")
    assert main(["predict", str(tmp_path / "fake.skops"), "a.wav"]) == 1
    assert "is not a skops file" in capsys.readouterr().err


class _RunsCode:
    """Unpickled, it runs ``os.system("touch MARKER")``: the issue's repro."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_predict_never_runs_code_from_a_pickle_without_trust_pickle(song_folder, tmp_path):
    """A joblib file whose unpickling runs a command: refused unless --trust-pickle.

    The file is only ever loaded in a child process.
    """
    import joblib

    _, songs, _ = song_folder
    marker = tmp_path / "code-ran"
    for evil in (tmp_path / "evil.skops", tmp_path / "evil.joblib"):  # whatever its name
        joblib.dump(_RunsCode(marker), evil)  # dumping runs nothing
        done = subprocess.run([sys.executable, "-m", "skaudio", "predict", str(evil),
                               str(songs[0])], capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and not marker.exists()
        assert "runs any code" in done.stderr and "--trust-pickle" in done.stderr
        assert "skaudio train" in done.stderr and "Traceback" not in done.stderr
    # the flag means what it says: the code runs, after a warning
    done = subprocess.run([sys.executable, "-m", "skaudio", "predict", str(evil), str(songs[0]),
                           "--trust-pickle"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and marker.exists()
    assert "warning: loading" in done.stderr and "runs any code" in done.stderr


def test_train_writes_skops_that_predict_loads_with_skaudio_types_only(song_folder, tmp_path,
                                                                     capsys):
    import zipfile

    import skops.io as sio

    from skaudio.persistence import TRUSTED_TYPES

    _, songs, _ = song_folder
    model = tmp_path / "m.skops"
    assert main(["train", "--data", EASY, "--model", "svm", "--out", str(model), "-q",
                 "--cache", str(tmp_path / "cache")]) == 0
    with zipfile.ZipFile(model) as zf:
        assert "schema.json" in zf.namelist()
        assert str(tmp_path / "cache") not in zf.read("schema.json").decode()  # not saved
    assert set(sio.get_untrusted_types(file=model)) <= set(TRUSTED_TYPES)
    capsys.readouterr()
    assert main(["predict", str(model), str(songs[0])]) == 0
    assert capsys.readouterr().out.startswith(str(songs[0]) + "\t")


def test_train_to_a_joblib_name_warns_that_it_needs_trust_pickle(tmp_path, capsys):
    model = tmp_path / "m.joblib"
    assert main(["train", "--data", EASY, "--model", "logreg", "--out", str(model), "-q"]) == 0
    assert "needs --trust-pickle" in capsys.readouterr().err
    assert main(["predict", str(model), "a.wav"]) == 1
    assert "--trust-pickle" in capsys.readouterr().err


def test_predict_refuses_untrusted_types_and_lists_them(song_folder, tmp_path, capsys):
    import joblib
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skaudio import LibrosaFeatures
    from skaudio.datasets import make_genres

    _, songs, _ = song_folder
    data = make_genres(n_per_class=3, duration=1.0, n_classes=2, sr=8000, random_state=0)
    features = LibrosaFeatures(sr=8000, features=["rms", "mfcc"],
                               memory=joblib.Memory(str(tmp_path / "theirs"), verbose=0))
    path = tmp_path / "other.skops"
    sio.dump(make_pipeline(features, LogisticRegression()).fit(data.data, data.target), path)
    assert main(["predict", str(path), str(songs[0])]) == 1
    err = capsys.readouterr().err
    assert "joblib.memory.Memory" in err and "does not trust" in err
    unknown = sorted(set(sio.get_untrusted_types(file=path)) - {"skaudio.features.LibrosaFeatures"})
    trust = [arg for t in unknown for arg in ("--trust", t)]
    assert main(["predict", str(path), str(songs[0]), *trust]) == 0


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_version(capsys):
    import skaudio

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == f"skaudio {skaudio.__version__}\n"


def _usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["benchmark", "--modles", "svm"],
         "unrecognized arguments: --modles svm; did you mean --models?"),
        (["benchmark", "--modles=svm"], "did you mean --models?"),
        (["predict", "m.skops", "a.wav", "--ofset", "3"], "did you mean --offset?"),
        (["train", "--out", "x", "--bogus", "--randomstate", "3"],
         "did you mean --random-state (for --randomstate)?"),
        (["benchmark", "--on-error", "skp"], "invalid choice: 'skp' (choose from skip, raise); "
                                             "did you mean 'skip'?"),
        (["benchmrk"], "did you mean 'benchmark'?"),
    ],
)
def test_mistyped_options_get_a_suggestion_and_the_subcommand_usage(argv, message, capsys):
    lines = _usage_error(argv, capsys)
    assert message in lines[-1]
    command = argv[0] if argv[0] != "benchmrk" else ""
    assert lines[0].startswith(f"usage: skaudio {command}".rstrip())
    assert lines[-1].startswith(f"skaudio {command}".rstrip() + ": error:")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--offset", "inf"], "argument --offset: 'inf' is not a finite number of seconds"),
        (["--offset", "1e308"], "argument --offset: 1e308 s is more than a week"),
        (["--duration", "inf"], "argument --duration: 'inf' is not a finite number"),
        (["--duration", "nan"], "argument --duration: 'nan' is not a finite number"),
        (["--duration", "-1"], "argument --duration: -1 s: give 0 or more seconds"),
        (["--offset", "soon"], "'soon' is not a number of seconds"),
    ],
)
def test_predict_windows_must_be_finite_seconds(argv, message, capsys):
    assert message in _usage_error(["predict", "m.skops", "a.wav", *argv], capsys)[-1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sr", "0"], "argument --sr: 0 is out of range: give at least 1000"),
        (["--n-fft", "1e9"], "argument --n-fft: '1e9' is not an integer"),
        (["--n-mfcc", "0"], "argument --n-mfcc: 0 is out of range"),
        (["--clip-duration", "inf"], "argument --clip-duration: 'inf' is not a finite"),
        (["--clip-duration", "0"], "give more than 0 seconds"),
        (["--n-jobs", "0"], "argument --n-jobs: 0 is not allowed"),
        (["--random-state", "-1"], "argument --random-state: -1 is out of range"),
    ],
)
@pytest.mark.parametrize("command", ["benchmark", "train"])
def test_numeric_options_are_checked(command, argv, message, capsys):
    assert message in _usage_error([command, "--out", "x", *argv], capsys)[-1]


def test_unknown_model_names_the_closest(capsys):
    assert main(["train", "--data", EASY, "--model", "svmm", "--out", "x.skops"]) == 1
    assert "Unknown model 'svmm'. Did you mean 'svm'?" in capsys.readouterr().err


def test_console_entry_point():
    done = subprocess.run([sys.executable, "-m", "skaudio", "models"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "svm_vote" in done.stdout
    done = subprocess.run([sys.executable, "-m", "skaudio.cli", "predict", "nothing.skops",
                           "x.wav"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("skaudio predict: error:")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_is_shown_unless_quiet(quiet, monkeypatch, tmp_path):
    import skaudio.benchmark

    seen = {}

    def fake_train_model(data, model, **kwargs):
        seen["verbose"] = kwargs["verbose"]
        raise SkaudioError("stop here")

    monkeypatch.setattr(skaudio.benchmark, "train_model", fake_train_model)
    main(["train", "--model", "cnn", "--out", str(tmp_path / "m"), *(["-q"] if quiet else [])])
    assert seen["verbose"] == (0 if quiet else 1)


def test_nets_print_their_epochs_on_stderr(tmp_path, capsys):
    pytest.importorskip("skorch")
    model = tmp_path / "cnn.skops"
    tiny = "builtin:n_per_class=2,duration=0.5,n_classes=2,difficulty=0,sr=8000"
    assert main(["train", "--data", tiny, "--model", "cnn", "--out", str(model)]) == 0
    captured = capsys.readouterr()
    assert "epoch" in captured.err and "train_loss" in captured.err
    assert "train_loss" not in captured.out
    assert captured.out.startswith("trained cnn on builtin:") and "features" not in captured.out
