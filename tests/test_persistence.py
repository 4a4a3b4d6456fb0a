"""Fitted skaudio pipelines survive joblib and skops.io with identical predictions.

The trusted types listed here are the ones ``docs/user-guide/persistence.md``
tells users to check; if skops starts reporting others, both must change.
"""

import os
import pickle
import zipfile

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from conftest import music_like
from skaudio import LibrosaFeatures, SegmentVotingClassifier

SR = 8000
CLASSICAL_TRUSTED = ["skaudio.features.LibrosaFeatures"]


def clips(n=8, duration=0.5):
    return np.stack([music_like(duration=duration, sr=SR, seed=i, f0=150 * 1.4**(i % 4),
                                bpm=90 + 15 * i) for i in range(n)])


LABELS = np.array(["rock", "jazz"] * 4)


@pytest.fixture(scope="module")
def classical():
    features = LibrosaFeatures(sr=SR, n_fft=512, hop_length=256, n_mfcc=8,
                               features=["rms", "spectral_centroid", "mfcc", "tempo"])
    return make_pipeline(features, StandardScaler(), SVC()).fit(clips(), LABELS)


def round_trip_joblib(model, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    return joblib.load(path)


def round_trip_skops(model, tmp_path, expected_untrusted):
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert sorted(untrusted) == sorted(expected_untrusted)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path)  # nothing is trusted by default
    return sio.load(path, trusted=untrusted)


@pytest.mark.parametrize("how", ["joblib", "skops"])
def test_classical_pipeline_round_trip(classical, tmp_path, how):
    if how == "joblib":
        loaded = round_trip_joblib(classical, tmp_path)
    else:
        loaded = round_trip_skops(classical, tmp_path, CLASSICAL_TRUSTED)
    X = clips(6, duration=0.7)  # unseen clips of another length
    np.testing.assert_array_equal(loaded.predict(X), classical.predict(X))
    np.testing.assert_array_equal(loaded.decision_function(X), classical.decision_function(X))
    assert loaded.get_params(deep=True).keys() == classical.get_params(deep=True).keys()


def test_fitted_bad_clips_need_one_more_trusted_type(tmp_path):
    features = LibrosaFeatures(sr=SR, features=["rms"], on_error="nan").fit(clips(2))
    with pytest.warns(UserWarning, match="could not be processed"):
        features.transform([np.array([np.nan] * 100), clips(1)[0]])
    loaded = round_trip_skops(features, tmp_path,
                              CLASSICAL_TRUSTED + ["skaudio._parallel.BadClip"])
    assert loaded.bad_clips_ == features.bad_clips_


def test_segment_voting_round_trip(tmp_path):
    inner = make_pipeline(LibrosaFeatures(sr=SR, n_fft=512, hop_length=256,
                                          features=["rms", "mfcc"], n_mfcc=6),
                          StandardScaler(), SVC())
    model = SegmentVotingClassifier(inner, segment_duration=0.25, sr=SR,
                                    voting="hard").fit(clips(), LABELS)
    loaded = round_trip_skops(model, tmp_path, CLASSICAL_TRUSTED + [
        "skaudio.segments.SegmentVotingClassifier"])
    np.testing.assert_array_equal(loaded.predict(clips(4, 1.0)), model.predict(clips(4, 1.0)))
    again = round_trip_joblib(model, tmp_path)
    np.testing.assert_array_equal(again.predict(clips(4, 1.0)), model.predict(clips(4, 1.0)))


# --------------------------------------------------------------------------
# skorch nets: MelSpectrogram + a tiny CNNClassifier
# --------------------------------------------------------------------------

NET_TRUSTED = [
    "builtins.print",
    "functools.partial",
    "skaudio.nets.estimators.CNNClassifier",
    "skaudio.nets.modules.MelCNN",
    "skaudio.spectrogram.MelSpectrogram",
    "skorch.callbacks.logging.EpochTimer",
    "skorch.callbacks.logging.PrintLog",
    "skorch.callbacks.scoring.EpochScoring",
    "skorch.callbacks.scoring.PassthroughScoring",
    "skorch.classifier.NeuralNetClassifier",
    "skorch.dataset.Dataset",
    "skorch.history.History",
    "skorch.setter.optimizer_setter",
    "skorch.utils._indexing_other",
    "skorch.utils.to_numpy",
    "torch.nn.modules.loss.CrossEntropyLoss",
    "torch.optim.adam.Adam",
    "torch.utils.data.dataloader.DataLoader",
]


@pytest.fixture(scope="module")
def net_pipeline():
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skaudio import MelSpectrogram
    from skaudio.nets import CNNClassifier

    mel = MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=16, duration=0.5)
    net = CNNClassifier(n_blocks=1, channels=4, max_epochs=1, batch_size=4, random_state=0)
    return make_pipeline(mel, net).fit(clips(), LABELS)


@pytest.mark.parametrize("how", ["joblib", "skops"])
def test_net_pipeline_round_trip(net_pipeline, tmp_path, how):
    if how == "joblib":
        loaded = round_trip_joblib(net_pipeline, tmp_path)
    else:
        loaded = round_trip_skops(net_pipeline, tmp_path, NET_TRUSTED)
    X = clips(5)
    np.testing.assert_array_equal(loaded.predict_proba(X), net_pipeline.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), net_pipeline.predict(X))


class _Payload:
    """Pickled, it runs ``open(path, "w")`` on load: a harmless stand-in for malware."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_skops_does_not_protect_skorch_weights(net_pipeline, tmp_path):
    """A known limit, documented in persistence.md: keep this test honest.

    skorch stores a net's torch state as a pickle blob and unpickles it with
    an unrestricted ``pickle.Unpickler`` in ``__setstate__``. A tampered
    .skops file therefore runs code while listing exactly the usual trusted
    types. If skorch closes this, this test fails: update the docs.
    """
    path, evil = tmp_path / "model.skops", tmp_path / "evil.skops"
    sio.dump(net_pipeline, path)
    marker = tmp_path / "code-ran"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith(".bin"):  # skorch's __cuda_dependent_attributes__
                data = pickle.dumps({"module_": _Payload(str(marker))})
            dst.writestr(name, data)
    untrusted = sio.get_untrusted_types(file=evil)
    assert sorted(untrusted) == sorted(NET_TRUSTED)  # nothing looks amiss
    try:
        sio.load(evil, trusted=untrusted)
    except Exception:  # noqa: BLE001 - the net may be broken; the code already ran
        pass
    assert os.path.exists(marker)
