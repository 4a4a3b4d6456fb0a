"""Tests for skaudio.benchmark.models: the model zoo, presets and front ends."""

import pytest

from skaudio.benchmark import list_models, load_benchmark_data, resolve_models
from skaudio.exceptions import SkaudioError

SHORT = "builtin:n_per_class=2,duration=0.5,n_classes=2,sr=8000"


def test_list_models():
    models = list_models()
    assert list(models.columns) == ["name", "description", "input", "presets"]
    assert models["name"].is_unique
    presets = models.set_index("name")["presets"]
    assert "default" in presets["svm"] and "default" not in presets["cnn"]


def test_presets():
    data = load_benchmark_data(SHORT)
    chosen, skipped = resolve_models("default", data)
    assert [s.name for s in chosen][:3] == ["dummy", "logreg", "svm"]
    assert "svm_vote" in skipped
    chosen, _ = resolve_models(["svm", "classical"], data)
    assert [s.name for s in chosen].count("svm") == 1


@pytest.mark.parametrize(
    ("models", "match"),
    [("xgboost", "Unknown model 'xgboost'"), ("svm_vote", "shorter than two 3-s segments"),
     ("", "models is empty"), (" , ", "models is empty")],
)
def test_bad_model_lists(models, match):
    with pytest.raises(SkaudioError, match=match):
        resolve_models(models, load_benchmark_data(SHORT))
