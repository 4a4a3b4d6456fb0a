"""Tests for skaudio.nets: the skorch CNN and WaveNet classifiers and their modules."""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from skorch.exceptions import DeviceWarning  # noqa: E402

from skaudio.exceptions import AudioValueError, SkaudioError  # noqa: E402
from skaudio.nets import (  # noqa: E402
    CNNClassifier,
    GaborFilterbank,
    MelCNN,
    WaveNet,
    WaveNetClassifier,
)
from skaudio.nets._training import scheduled_lr  # noqa: E402
from skaudio.nets.modules import _GatedResidualLayer  # noqa: E402

TINY_CNN = dict(architecture="plain", n_blocks=2, channels=4, batch_size=16, lr=1e-2,
                random_state=0)
TINY_WAVENET = dict(
    n_blocks=1, n_layers=4, residual_channels=8, skip_channels=8, stride=4, random_state=0
)


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)  # noqa: NPY002 - the global RNG that random_state=None draws from


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny nets on a shared machine: one intra-op thread is much faster."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_spectrograms(n, seed, n_mels=16, n_frames=20):
    """Log-power 'spectrograms': a tone (one loud horizontal band) vs flat noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(-40.0, 3.0, size=(n, 1, n_mels, n_frames))
    y = np.array(["noise", "tone"] * (n // 2))
    for i in np.flatnonzero(y == "tone"):
        X[i, 0, rng.integers(n_mels)] += 30.0
    return X.astype(np.float32), y


def make_waves(n, seed, n_samples=400, sr=8000):
    """Raw audio: a pure tone vs white noise of the same power."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / sr
    y = np.repeat([0, 1], n // 2)
    X = rng.normal(0.0, 0.35, size=(n, 1, n_samples))
    for i in np.flatnonzero(y == 1):
        X[i, 0] = 0.5 * np.sin(2 * np.pi * rng.uniform(200, 1000) * t + rng.uniform(0, 6))
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def spectrograms():
    return make_spectrograms(96, seed=1)


@pytest.fixture(scope="module")
def fitted_cnn(spectrograms):
    X, y = spectrograms
    return CNNClassifier(max_epochs=2, **TINY_CNN).fit(X, y)


# -- shapes, labels, the scikit-learn contract ---------------------------------


def test_predict_shapes_and_string_labels(fitted_cnn, spectrograms):
    X, y = spectrograms
    proba = fitted_cnn.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert list(fitted_cnn.classes_) == ["noise", "tone"]
    pred = fitted_cnn.predict(X)
    assert pred.shape == (len(X),)
    assert set(pred) <= {"noise", "tone"}
    np.testing.assert_array_equal(pred, fitted_cnn.classes_[proba.argmax(axis=1)])
    assert fitted_cnn.input_shape_ == (1, 16, 20)
    assert fitted_cnn.n_epochs_ == 2
    assert not hasattr(fitted_cnn, "n_features_in_")


def test_time_axis_may_change_but_mel_axis_may_not(fitted_cnn, spectrograms):
    X, _ = spectrograms
    assert fitted_cnn.predict(X[:5, :, :, :7]).shape == (5,)
    assert fitted_cnn.predict(X[:5, 0]).shape == (5,)  # channel axis added
    with pytest.raises(AudioValueError, match="only the last .time. axis"):
        fitted_cnn.predict(X[:5, :, :8])
    with pytest.raises(SkaudioError, match="MelSpectrogram"):
        CNNClassifier(**TINY_CNN).fit(X[:, 0, :, 0], np.arange(len(X)) % 2)


def test_learns_separable_task(fitted_cnn):
    X_test, y_test = make_spectrograms(60, seed=2)
    assert fitted_cnn.score(X_test, y_test) > 0.85


def test_init_stores_params_untouched_and_fit_resolves_device():
    channels = (4, 8)
    clf = CNNClassifier(channels=channels, n_blocks=2, device="auto")
    assert clf.get_params()["channels"] is channels
    assert clf.device == "auto"
    assert not hasattr(clf, "device_")
    X, y = make_spectrograms(16, seed=3)
    clf.set_params(max_epochs=1).fit(X, y)
    assert clf.device == "auto"
    assert clf.device_ == ("cuda" if torch.cuda.is_available() else "cpu")
    assert clf.net_.module_.blocks[1].conv1[0].out_channels == 8  # the default resnet


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_unfitted_estimator_raises_not_fitted(method):
    X, y = make_waves(4, seed=0)
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError, match="not fitted"):
        getattr(WaveNetClassifier(), method)(*args)


def test_clone_gives_an_unfitted_estimator(fitted_cnn):
    twin = clone(fitted_cnn)
    assert not hasattr(twin, "net_") and not hasattr(twin, "classes_")
    assert twin.get_params() == fitted_cnn.get_params()
    assert hasattr(fitted_cnn, "net_")  # the original is untouched


@pytest.mark.parametrize("Estimator", [CNNClassifier, WaveNetClassifier])
def test_constructor_parameters_are_keyword_only(Estimator):
    with pytest.raises(TypeError, match="positional"):
        Estimator("resnet", 3)
    with pytest.raises(TypeError, match="positional"):
        Estimator(2)
    assert Estimator(n_blocks=3).get_params()["n_blocks"] == 3


@pytest.mark.parametrize("Estimator", [CNNClassifier, WaveNetClassifier])
def test_fit_returns_self_and_tags(Estimator):
    X, y = make_spectrograms(8, seed=0) if Estimator is CNNClassifier else make_waves(8, 0)
    params = TINY_CNN if Estimator is CNNClassifier else TINY_WAVENET
    clf = Estimator(max_epochs=1, **params)
    assert clf.fit(X, y) is clf
    tags = clf.__sklearn_tags__()
    assert tags.input_tags.three_d_array
    assert tags.input_tags.two_d_array == (Estimator is WaveNetClassifier)


# -- reproducibility ------------------------------------------------------------


def test_random_state_makes_fits_reproducible(fitted_cnn, spectrograms):
    X, y = spectrograms
    again = clone(fitted_cnn).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), fitted_cnn.predict_proba(X))
    other = clone(fitted_cnn).set_params(random_state=1).fit(X, y)
    assert not np.allclose(other.predict_proba(X), fitted_cnn.predict_proba(X))


def test_fit_leaves_global_torch_rng_alone():
    X, y = make_spectrograms(8, seed=0)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    CNNClassifier(max_epochs=1, **TINY_CNN).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


# -- persistence ----------------------------------------------------------------


def test_joblib_round_trip_of_estimator_and_pipeline(fitted_cnn, spectrograms, tmp_path):
    X, y = spectrograms
    joblib.dump(fitted_cnn, tmp_path / "cnn.joblib")
    loaded = joblib.load(tmp_path / "cnn.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted_cnn.predict_proba(X))

    cnn = clone(fitted_cnn).set_params(max_epochs=1)
    pipe = make_pipeline(FunctionTransformer(np.negative), cnn)
    pipe.fit(X, y)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    loaded = joblib.load(tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_trained_net_loads_on_cpu(fitted_cnn, spectrograms):
    X, _ = spectrograms
    as_if_cuda = pickle.loads(pickle.dumps(fitted_cnn))
    as_if_cuda.device_ = "cuda"  # as when trained on a GPU
    blob = pickle.dumps(as_if_cuda)
    with pytest.warns(DeviceWarning, match="(?i)cuda"):
        loaded = pickle.loads(blob)
    assert loaded.device_ == "cpu" and str(loaded.net_.device) == "cpu"
    assert next(loaded.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted_cnn.predict_proba(X))


@pytest.mark.parametrize("Estimator", [CNNClassifier, WaveNetClassifier])
def test_skops_round_trip_is_plain_data(Estimator, tmp_path):
    sio = pytest.importorskip("skops.io")
    is_cnn = Estimator is CNNClassifier
    X, y = make_spectrograms(16, seed=0) if is_cnn else make_waves(16, 0)
    clf = Estimator(max_epochs=2, **(TINY_CNN if is_cnn else TINY_WAVENET)).fit(X, y)
    sio.dump(clf, tmp_path / "net.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "net.skops")
    assert untrusted == [f"skaudio.nets.estimators.{Estimator.__name__}"]
    loaded = sio.load(tmp_path / "net.skops", trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.n_epochs_ == len(loaded.net_.history) == 2
    assert loaded.net_.history[-1, "train_loss"] == clf.net_.history[-1, "train_loss"]
    assert loaded.get_params() == clf.get_params()
    assert not hasattr(clone(loaded), "net_")


def test_unfitted_estimator_pickles():
    clf = pickle.loads(pickle.dumps(CNNClassifier(channels=[4, 8], n_blocks=2)))
    assert clf.get_params()["channels"] == [4, 8] and not hasattr(clf, "net_")


# -- model selection and training options ---------------------------------------


def test_grid_search_over_net_params(spectrograms):
    X, y = spectrograms
    grid = GridSearchCV(
        CNNClassifier(max_epochs=1, **{**TINY_CNN, "channels": 3, "lr": 5e-3}),  # off-grid
        {"lr": [1e-3, 1e-2], "channels": [2, 4]},
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    best, net = grid.best_params_, grid.best_estimator_.net_
    # the searched values, not the base estimator's, reach the network
    convs = [m for m in net.module_.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].out_channels == best["channels"]
    assert net.lr == best["lr"]
    assert grid.best_estimator_.predict(X[:3]).shape == (3,)


def test_early_stopping_with_validation_split():
    X, _ = make_spectrograms(64, seed=4)
    y = np.random.default_rng(4).permutation(np.repeat([0, 1], 32))  # unlearnable
    clf = CNNClassifier(
        max_epochs=40, patience=2, validation_fraction=0.25, **{**TINY_CNN, "lr": 0.05}
    ).fit(X, y)
    assert clf.n_epochs_ < 40
    last = clf.net_.history[-1]
    assert "valid_loss" in last and "valid_acc" in last
    train_batches = [b for b in clf.net_.history[-1, "batches"] if "train_loss" in b]
    assert len(train_batches) == 3  # 48 training clips in batches of 16


@pytest.mark.parametrize("kind", ["onecycle", "cosine"])
def test_lr_schedule_sets_the_rate_before_every_training_step(spectrograms, kind):
    X, y = spectrograms  # 96 clips in batches of 16: 6 steps an epoch
    clf = CNNClassifier(max_epochs=3, lr_schedule=kind, **{**TINY_CNN, "lr": 0.02}).fit(X, y)
    lrs = [b["lr"] for epoch in clf.net_.history for b in epoch["batches"]]
    assert len(lrs) == 18
    np.testing.assert_allclose(lrs, [scheduled_lr(i / 18, peak=0.02, kind=kind)
                                     for i in range(18)])
    peak = int(np.argmax(lrs))
    assert peak == (6 if kind == "onecycle" else 0)  # warm-up: the first 30 % of 18 steps
    assert np.all(np.diff(lrs[peak:]) < 0) and np.all(np.diff(lrs[:peak + 1]) > 0)
    assert lrs[-1] < 0.02 / 10 and (kind == "cosine" or lrs[0] == pytest.approx(0.02 / 25))
    assert clf.net_.optimizer_.param_groups[0]["lr"] == lrs[-1]
    constant = clone(clf).set_params(lr_schedule="constant").fit(X, y)
    assert "lr" not in constant.net_.history[-1]["batches"][0]
    assert constant.net_.optimizer_.param_groups[0]["lr"] == 0.02


def test_optimizer_class_and_name():
    X, y = make_spectrograms(16, seed=5)
    clf = CNNClassifier(max_epochs=1, optimizer=torch.optim.SGD, **TINY_CNN).fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)
    clf.set_params(optimizer="adamw").fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.AdamW)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_blocks": 0}, "n_blocks"),
        ({"architecture": "alexnet"}, "architecture"),
        ({"optimizer": "lbfgs2"}, "optimizer"),
        ({"validation_fraction": 1.5}, "validation_fraction"),
    ],
)
def test_invalid_params_are_rejected_at_fit(params, match):
    X, y = make_spectrograms(8, seed=0)
    clf = CNNClassifier(**{**TINY_CNN, **params})  # no error in __init__
    with pytest.raises(InvalidParameterError, match=match):
        clf.fit(X, y)


def test_channel_list_must_match_n_blocks():
    X, y = make_spectrograms(8, seed=0)
    with pytest.raises(ValueError, match="one width per block"):
        CNNClassifier(n_blocks=3, channels=[4, 8]).fit(X, y)


# -- architectures and modules --------------------------------------------------


@pytest.mark.parametrize("architecture", ["plain", "resnet", "vgg", "densenet"])
@pytest.mark.parametrize("global_pooling", ["avg", "avgmax"])
def test_each_architecture_forward(architecture, global_pooling):
    net = MelCNN(
        n_classes=5, n_blocks=3, channels=4, architecture=architecture,
        global_pooling=global_pooling,
    )
    for shape in [(3, 1, 40, 63), (3, 1, 7, 5), (3, 1, 1, 1)]:
        out = net(torch.randn(*shape))
        assert out.shape == (3, 5)
        assert torch.isfinite(out).all()


@pytest.mark.parametrize("architecture", ["resnet", "vgg", "densenet"])
def test_each_architecture_learns(architecture, spectrograms):
    X, y = spectrograms
    clf = CNNClassifier(max_epochs=2, **{**TINY_CNN, "architecture": architecture}).fit(X, y)
    X_test, y_test = make_spectrograms(60, seed=2)
    assert clf.score(X_test, y_test) > 0.85


@pytest.mark.parametrize("causal", [True, False])
def test_gated_layer_causality(causal):
    torch.manual_seed(0)
    layer = _GatedResidualLayer(4, 6, kernel_size=2, dilation=4, causal=causal)
    x = torch.randn(1, 4, 50)
    later = x.clone()
    later[..., 30:] += 1.0  # change only the future of t = 29
    (res_a, skip_a), (res_b, skip_b) = layer(x), layer(later)
    assert res_a.shape == x.shape and skip_a.shape == (1, 6, 50)
    assert torch.equal(skip_a[..., :30], skip_b[..., :30]) == causal
    assert torch.equal(res_a[..., :30], res_b[..., :30]) == causal


def test_wavenet_any_length():
    net = WaveNet(n_classes=4, n_blocks=1, n_layers=3, residual_channels=4, skip_channels=4)
    for n_samples in (8000, 17, 1):
        assert net(torch.randn(2, 1, n_samples)).shape == (2, 4)


def test_gabor_filterbank_starts_as_a_mel_like_band_analysis():
    """A pure tone lights up the filter whose centre is nearest its frequency."""
    sr, n_filters = 16000, 24
    fb = GaborFilterbank(n_filters=n_filters, hop=64).eval()  # batchnorm: identity at init
    centres = fb.centre.detach().numpy() * sr
    assert np.all(np.diff(centres) > 0) and np.all(np.diff(np.diff(centres)) > 0)  # mel-like
    t = np.arange(sr) / sr
    for f in (250.0, 1000.0, 3000.0, 6000.0):
        tone = torch.tensor(np.sin(2 * np.pi * f * t), dtype=torch.float32)[None, None]
        with torch.no_grad():
            power = fb(tone)[0].mean(dim=1).numpy()
        assert abs(centres[np.argmax(power)] - f) <= np.diff(centres).max()
    # two learnable numbers per filter, and the batchnorm's affine pair
    assert sum(p.numel() for p in fb.parameters()) == 4 * n_filters


def test_wavenet_learns_its_filterbank():
    X, y = make_waves(64, seed=6)
    clf = WaveNetClassifier(max_epochs=2, lr=1e-2, batch_size=8, **TINY_WAVENET).fit(X, y)
    fb = clf.net_.module_.frontend[0]
    start = GaborFilterbank(n_filters=clf.n_filters, hop=clf.stride)
    assert not torch.allclose(fb.centre, start.centre)
    assert not torch.allclose(fb.sigma, start.sigma)


def test_a_loaded_gabor_front_end_is_bounded():
    """Its filters are built from two numbers each: the file's weights do not bound them."""
    X, y = make_waves(16, seed=0)
    state = WaveNetClassifier(max_epochs=1, **TINY_WAVENET).fit(X, y).__getstate__()
    state.update(n_filters=1024, stride=4096)
    with pytest.raises(AudioValueError, match="Gabor filters' taps.*MAX_LOADED_TAPS"):
        pickle.loads(pickle.dumps(WaveNetClassifier())).__setstate__(state)


@pytest.mark.parametrize("frontend", ["gabor", "conv"])
def test_wavenet_learns_tone_vs_noise(frontend):
    X, y = make_waves(96, seed=6)
    clf = WaveNetClassifier(max_epochs=5, lr=1e-2, batch_size=8, frontend=frontend,
                            **TINY_WAVENET)
    clf.fit(X[:, 0], y)  # 2-D waveforms get a channel axis
    X_test, y_test = make_waves(60, seed=7)
    assert clf.score(X_test, y_test) > 0.85


# -- optional dependency hygiene ----------------------------------------------


def test_import_skaudio_does_not_import_torch():
    code = "import sys, skaudio; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- random crops, crop-averaged prediction, augmentation ------------------------


def test_crop_trains_on_random_windows_and_predicts_on_windows_covering_the_clip(
        spectrograms):
    X, y = spectrograms
    clf = CNNClassifier(max_epochs=1, crop=8, **TINY_CNN)
    clf.fit(X, y)
    lengths = []
    clf.net_.module_.register_forward_pre_hook(lambda m, a: lengths.append(tuple(a[0].shape)))
    proba = clf.predict_proba(X[:3])
    # 20 frames, crop 8, hop 4: windows at 0, 4, 8, 12 -> 4 per clip, one forward pass
    assert lengths == [(12, 1, 16, 8)]
    module = clf.net_.module_
    with torch.no_grad():
        manual = np.mean([torch.softmax(module(torch.from_numpy(X[:3, ..., s:s + 8])), 1).numpy()
                          for s in (0, 4, 8, 12)], axis=0)
    np.testing.assert_allclose(proba, manual, rtol=1e-5, atol=1e-6)


def test_training_sees_only_crops_and_the_last_window_ends_at_the_clip_end(spectrograms):
    X, y = spectrograms
    clf = CNNClassifier(max_epochs=1, crop=8, crop_hop=9, **TINY_CNN).fit(X, y)
    seen = {True: [], False: []}
    clf.net_.module_.register_forward_pre_hook(
        lambda m, a: seen[m.training].append(tuple(a[0].shape)))
    clf.net_.partial_fit(X[:32], np.arange(32) % 2)  # one more epoch, same net
    assert {shape[-1] for shape in seen[True]} == {8}
    seen[False].clear()
    clf.predict_proba(X[:2])
    assert seen[False] == [(6, 1, 16, 8)]  # windows at 0, 9 and 12 (ends at frame 20)


def test_crop_longer_than_clips_uses_whole_clips(spectrograms):
    X, y = spectrograms
    full = CNNClassifier(max_epochs=1, **TINY_CNN).fit(X, y)
    long_crop = CNNClassifier(max_epochs=1, crop=50, **TINY_CNN).fit(X, y)
    np.testing.assert_allclose(long_crop.predict_proba(X), full.predict_proba(X), rtol=1e-6)


@pytest.mark.parametrize("augment", ["default", {"time_shift": 3, "mixup": 0.4}])
def test_same_seed_same_weights_with_crops_and_augmentation(spectrograms, augment):
    X, y = spectrograms
    a = CNNClassifier(max_epochs=2, crop=10, augment=augment, **TINY_CNN).fit(X, y)
    b = clone(a).fit(X, y)
    for (name, wa), wb in zip(a.net_.module_.state_dict().items(),
                              b.net_.module_.state_dict().values(), strict=True):
        torch.testing.assert_close(wa, wb, rtol=0, atol=0, msg=name)
    c = clone(a).set_params(random_state=1).fit(X, y)
    assert not torch.equal(a.net_.module_.head[1].weight, c.net_.module_.head[1].weight)
    plain = clone(a).set_params(augment=None).fit(X, y)  # the augmentation changes training
    assert not torch.equal(a.net_.module_.head[1].weight, plain.net_.module_.head[1].weight)
    assert plain.score(*make_spectrograms(60, seed=2)) > 0.85
    assert a.score(*make_spectrograms(60, seed=2)) > 0.85


def test_inference_is_never_augmented(spectrograms):
    X, y = spectrograms
    clf = CNNClassifier(max_epochs=1, crop=10, augment="default", **TINY_CNN).fit(X, y)
    rng_state = clf.net_.augmenter.rng.bit_generator.state
    first = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict_proba(X), first)  # deterministic
    assert clf.net_.augmenter.rng.bit_generator.state == rng_state  # no draw at inference
    clf.net_.augmenter = None  # drop the augmenter from the fitted net: same numbers
    np.testing.assert_array_equal(clf.predict_proba(X), first)
    loaded = pickle.loads(pickle.dumps(clf))  # rebuilt without any augmenter
    assert loaded.net_.augmenter is None and loaded.net_.crop == 10
    np.testing.assert_allclose(loaded.predict_proba(X), first, rtol=1e-6)


def test_grid_search_over_crop_and_augment(spectrograms):
    X, y = spectrograms
    grid = GridSearchCV(
        CNNClassifier(max_epochs=1, **TINY_CNN),
        {"crop": [None, 10], "augment": [None, "default", {"mixup": 0.2}]},
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 6
    assert grid.best_estimator_.net_.crop == grid.best_params_["crop"]
    # every candidate: an augmenter unless neither crop (10 < 20 frames) nor augment
    for params in grid.cv_results_["params"]:
        net = clone(grid.estimator).set_params(**params).fit(X, y).net_
        assert net.crop == params["crop"]
        if params["crop"] is None and params["augment"] is None:
            assert net.augmenter is None
        else:
            assert net.augmenter.crop == params["crop"]
            assert bool(net.augmenter.recipe) == (params["augment"] is not None)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"crop": 0}, InvalidParameterError, "crop"),
        ({"crop_hop": 1.5}, InvalidParameterError, "crop_hop"),
        ({"augment": "strong"}, InvalidParameterError, "augment"),
        ({"augment": {"snr_db": 10}}, SkaudioError, r"unknown key.*snr_db.*freq_mask"),
        ({"augment": {"freq_mask": -1}}, SkaudioError, "freq_mask.*>= 0"),
    ],
)
def test_invalid_crop_and_augment_rejected_at_fit(params, error, match):
    X, y = make_spectrograms(8, seed=0)
    clf = CNNClassifier(**{**TINY_CNN, **params})
    with pytest.raises(error, match=match):
        clf.fit(X, y)


def test_wavenet_crops_and_augmentation_learn_tone_vs_noise():
    X, y = make_waves(96, seed=6, n_samples=800)
    clf = WaveNetClassifier(max_epochs=5, lr=1e-2, batch_size=8, crop=300,
                            augment={"gain_db": 6.0, "snr_db": (20.0, 40.0), "mixup": 0.2,
                                     "time_shift": 50}, **TINY_WAVENET).fit(X, y)
    X_test, y_test = make_waves(60, seed=7, n_samples=800)
    assert clf.score(X_test, y_test) > 0.85
    with pytest.raises(SkaudioError, match="unknown key.*freq_mask"):
        clone(clf).set_params(augment={"freq_mask": 2}).fit(X, y)


def test_verbose_prints_each_epoch(spectrograms, capsys):
    X, y = spectrograms
    CNNClassifier(max_epochs=2, crop=10, validation_fraction=0.25, **TINY_CNN).fit(X, y)
    assert capsys.readouterr().out == ""
    CNNClassifier(max_epochs=2, crop=10, validation_fraction=0.25, verbose=1,
                  **TINY_CNN).fit(X, y)
    out = capsys.readouterr().out
    assert "valid_acc" in out and "dur" in out and len(out.strip().splitlines()) == 4
