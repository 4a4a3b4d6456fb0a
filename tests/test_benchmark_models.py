"""Tests for skaudio.benchmark.models: the model zoo, presets and front ends."""

import pytest
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, StratifiedKFold

from skaudio.benchmark import list_models, load_benchmark_data, resolve_models
from skaudio.benchmark.models import MODELS, Build, frontend
from skaudio.exceptions import SkaudioError

SHORT = "builtin:n_per_class=2,duration=0.5,n_classes=2,sr=8000"


def test_list_models():
    models = list_models()
    assert list(models.columns) == ["name", "description", "input", "presets", "cost"]
    assert models["name"].is_unique
    presets = models.set_index("name")["presets"]
    assert "default" in presets["svm"] and "default" not in presets["cnn"]


def test_presets():
    data = load_benchmark_data(SHORT)
    chosen, skipped = resolve_models("default", data)
    assert [s.name for s in chosen][:3] == ["dummy", "logreg", "svm"]
    assert "svm_vote" in skipped
    assert "svm_tuned" in [s.name for s in chosen]  # a tuned model where users look first
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


@pytest.mark.parametrize(("grouped", "inner"), [(False, StratifiedKFold),
                                                 (True, StratifiedGroupKFold)])
def test_tuned_svm_is_a_small_grid_search(grouped, inner):
    data = load_benchmark_data(SHORT)
    model = MODELS["svm_tuned"].make(Build(0, data, grouped=grouped))
    assert isinstance(model, GridSearchCV) and isinstance(model.cv, inner)
    assert model.cv.n_splits == 3 and model.cv.random_state == 0
    grid = model.param_grid
    assert set(grid) == {"svc__C", "svc__gamma"}
    assert (len(grid["svc__C"]), len(grid["svc__gamma"])) == (3, 3)  # as its description says
    assert "(3 x 3 grid)" in MODELS["svm_tuned"].description
    assert MODELS["svm_tuned"].fit_groups and not MODELS["dummy"].per_feature_set


def test_feature_front_end_per_set():
    data = load_benchmark_data(SHORT, features={"n_mfcc": 13})
    front = frontend("features", data, feature_set="gtzan", n_jobs=2)
    params = front.get_params()
    assert params["n_mfcc"] == 13 and params["sr"] == 8000 and params["n_jobs"] == 2
    front = frontend("features", data, feature_set="full")
    assert front.get_params()["features"] == "full" and front.get_params()["stats"] is None


@pytest.mark.parametrize("name", ["cnn", "wavenet"])
@pytest.mark.parametrize("verbose", [0, 1])
def test_nets_follow_the_runs_verbosity(name, verbose):
    pytest.importorskip("skorch")
    data = load_benchmark_data(SHORT)
    assert MODELS[name].make(Build(0, data, verbose=verbose)).verbose == verbose


def test_models_list_their_cost_and_nets_get_an_estimate():
    from skaudio.benchmark.models import estimate_seconds

    table = list_models().set_index("name")
    assert table.loc["cnn", "cost"].startswith("train ~") and "s/clip" in table.loc["svm", "cost"]
    data = load_benchmark_data(SHORT)  # 0.5-s clips: the nets' input is 0.5 s long
    cnn, svm = MODELS["cnn"], MODELS["svm"]
    train, predict = cnn.cost  # seconds per 30-s clip, as `skaudio models` lists them
    one = estimate_seconds(cnn, data, n_train=80, n_test=20, n_folds=5)
    assert one == pytest.approx(5 * (0.5 / 30) * (train * 80 + predict * 20))
    assert estimate_seconds(cnn, data, 160, 40, 5) == pytest.approx(2 * one)
    assert estimate_seconds(svm, data, 80, 20, 5) is None
