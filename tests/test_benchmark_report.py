"""Tests for skaudio.benchmark.report: the Markdown table and the written files."""

import importlib.util

import pandas as pd

from skaudio.benchmark.report import run_label, to_markdown, write_report


def _results():
    results = pd.DataFrame({
        "model": ["dummy", "svm"], "features": ["-", "full"], "description": ["chance", "SVC"],
        "input": ["features", "features"], "accuracy_mean": [0.5, 0.875],
        "accuracy_std": [0.0, 0.125], "f1_macro_mean": [0.33, 0.87],
        "f1_macro_std": [0.0, 0.1], "fit_time_s": [0.001, 0.01],
        "predict_ms_per_clip": [0.01, 0.1], "input_ms_per_clip": [5.0, 5.0], "n_folds": [2, 2],
    })
    results.attrs.update(data="builtin: tiny; 16 clips, 2 classes", split="cv:2: two folds",
                         n_clips=16, classes=["a", "b"], skipped={"cnn": "no torch"})
    return results


def test_markdown_table():
    text = to_markdown(_results())
    assert "| svm | full | 87.5 ± 12.5 |" in text
    assert "- **Split**: cv:2: two folds" in text
    assert text.count("16 clips, 2 classes") == 1  # the data line says it once
    assert "Skipped: cnn (no torch)." in text and "Left out" not in text


def test_markdown_lists_every_bad_clip():
    results = _results()
    results.attrs["bad_clips"] = {"a/x.wav": "Cannot decode 'a/x.wav'.\nRe-encode it.",
                                  "b/y.wav": "Audio file 'b/y.wav' is empty"}
    text = to_markdown(results)
    assert "**Left out**: 2 clips" in text
    assert "- `a/x.wav`: Cannot decode 'a/x.wav'. Re-encode it." in text
    assert "- `b/y.wav`: Audio file 'b/y.wav' is empty" in text


def test_write_report_without_confusions(tmp_path):
    out = tmp_path / "out"
    write_report(_results(), out)
    assert pd.read_csv(out / "results.csv")["model"].tolist() == ["dummy", "svm"]
    text = (out / "results.md").read_text()
    assert text.startswith("# Benchmark results")
    assert not list(out.glob("confusion_*.png"))  # none given, none drawn
    assert not (out / "folds.csv").exists()  # no per-fold table given
    if importlib.util.find_spec("matplotlib"):  # the plot extra: the chart, linked
        assert (out / "summary.png").is_file() and "](summary.png)" in text


def test_run_labels():
    assert run_label("svm", "full") == "svm [full]" and run_label("dummy", "-") == "dummy"
