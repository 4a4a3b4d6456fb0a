"""Fitted skaudio pipelines survive joblib and skops.io with identical predictions.

The trusted types listed here are the ones ``docs/user-guide/persistence.md``
tells users to check; if skops starts reporting others, both must change.
"""

import io
import json
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

from skaudio import BadClipsWarning, LibrosaFeatures, SegmentVotingClassifier

SR = 8000
CLASSICAL_TRUSTED = ["skaudio.features.LibrosaFeatures"]


@pytest.fixture(scope="session")
def clips(music_like):
    """``clips(n=8, duration=0.5)``: n generated clips at SR, of distinct tempi and keys."""
    def make(n=8, duration=0.5):
        return np.stack([music_like(duration=duration, sr=SR, seed=i, f0=150 * 1.4**(i % 4),
                                    bpm=90 + 15 * i) for i in range(n)])
    return make


LABELS = np.array(["rock", "jazz"] * 4)


@pytest.fixture(scope="module")
def classical(clips):
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
def test_classical_pipeline_round_trip(clips, classical, tmp_path, how):
    if how == "joblib":
        loaded = round_trip_joblib(classical, tmp_path)
    else:
        loaded = round_trip_skops(classical, tmp_path, CLASSICAL_TRUSTED)
    X = clips(6, duration=0.7)  # unseen clips of another length
    np.testing.assert_array_equal(loaded.predict(X), classical.predict(X))
    np.testing.assert_array_equal(loaded.decision_function(X), classical.decision_function(X))
    assert loaded.get_params(deep=True).keys() == classical.get_params(deep=True).keys()


def test_transform_with_bad_clips_needs_no_extra_trusted_type(clips, tmp_path):
    features = LibrosaFeatures(sr=SR, features=["rms"], on_error="nan").fit(clips(2))
    with pytest.warns(BadClipsWarning, match="could not be processed"):
        out = features.transform([np.array([np.nan] * 100), clips(1)[0]])
    loaded = round_trip_skops(features, tmp_path, CLASSICAL_TRUSTED)  # transform set nothing
    with pytest.warns(BadClipsWarning):
        np.testing.assert_array_equal(
            loaded.transform([np.array([np.nan] * 100), clips(1)[0]]), out)


def test_segment_voting_round_trip(clips, tmp_path):
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

# A fitted net is stored as plain data (parameters, classes_, input_shape_,
# device_, the weights as numpy arrays, the history as JSON): no skorch or
# torch object is in the file, so these are the only types to trust.
NET_TRUSTED = [
    "skaudio.nets.estimators.CNNClassifier",
    "skaudio.spectrogram.MelSpectrogram",
]


@pytest.fixture(scope="module")
def net_pipeline(clips):
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skaudio import MelSpectrogram
    from skaudio.nets import CNNClassifier

    mel = MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=16, duration=0.5)
    net = CNNClassifier(n_blocks=1, channels=4, max_epochs=1, batch_size=4, random_state=0)
    return make_pipeline(mel, net).fit(clips(), LABELS)


@pytest.mark.parametrize("how", ["joblib", "skops"])
def test_net_pipeline_round_trip(clips, net_pipeline, tmp_path, how):
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


def test_net_skops_file_holds_no_pickled_torch_state(net_pipeline, tmp_path):
    """The net's file is a schema plus plain .npy arrays: nothing skorch/torch."""
    path = tmp_path / "model.skops"
    sio.dump(net_pipeline, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert sorted(untrusted) == sorted(NET_TRUSTED)
    assert not any(t.split(".")[0] in {"skorch", "torch", "builtins", "functools"}
                   for t in untrusted)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        schema = zf.read("schema.json").decode()
        arrays = [np.load(io.BytesIO(zf.read(n)), allow_pickle=False)
                  for n in names if n.endswith(".npy")]
    assert set(names) - {"schema.json"} == {n for n in names if n.endswith(".npy")}
    assert all(a.dtype != object for a in arrays)  # no pickled payload anywhere
    assert '"skorch' not in schema and '"torch' not in schema
    net = net_pipeline[-1]
    assert "net_" in vars(net)  # dumping leaves the live estimator alone
    state = net.__getstate__()
    assert "net_" not in state
    assert state["module_state_"].keys() == net.net_.module_.state_dict().keys()
    assert all(isinstance(v, np.ndarray) for v in state["module_state_"].values())


@pytest.mark.parametrize("how", ["raw-pickle", "object-array"])
def test_tampered_net_file_cannot_run_code(net_pipeline, tmp_path, how):
    """Hiding a pickle in the weights (the old skorch hole) no longer runs it.

    The weights are numpy arrays that skops reads with ``allow_pickle=False``;
    an attacker who swaps one for a pickle or an object array only gets a
    failed load, and the trusted-type list is unchanged.
    """
    path, evil = tmp_path / "model.skops", tmp_path / "evil.skops"
    sio.dump(net_pipeline, path)
    marker = tmp_path / "code-ran"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith(".npy"):
                if how == "raw-pickle":
                    data = pickle.dumps({"module_": _Payload(str(marker))})
                else:
                    buf = io.BytesIO()
                    payload = np.empty(1, dtype=object)
                    payload[0] = _Payload(str(marker))
                    np.save(buf, payload, allow_pickle=True)
                    data = buf.getvalue()
            dst.writestr(name, data)
    untrusted = sio.get_untrusted_types(file=evil)
    assert sorted(untrusted) == sorted(NET_TRUSTED)
    with pytest.raises(ValueError, match="allow_pickle"):
        sio.load(evil, trusted=untrusted)
    assert not os.path.exists(marker)


def test_injected_type_is_reported_and_refused(net_pipeline, tmp_path):
    """Anything beyond plain data has to be an explicit type, which skops lists."""
    path, evil = tmp_path / "model.skops", tmp_path / "evil.skops"
    sio.dump(net_pipeline, path)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "schema.json":
                schema = json.loads(data)
                net = schema["content"]["content"]["steps"]["content"][1]["content"][1]
                # an object skops would build with __new__, e.g. a subprocess
                net["content"]["content"]["history_json_"] = {
                    "__class__": "Popen", "__module__": "subprocess",
                    "__loader__": "ObjectNode",
                }
                data = json.dumps(schema)
            dst.writestr(name, data)
    untrusted = sio.get_untrusted_types(file=evil)
    assert sorted(untrusted) == sorted(NET_TRUSTED + ["subprocess.Popen"])  # it shows
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="Popen"):
        sio.load(evil, trusted=NET_TRUSTED)


# --------------------------------------------------------------------------
# skaudio.persistence: save_model / load_model
# --------------------------------------------------------------------------


def test_trusted_types_are_real_skaudio_and_sklearn_classes():
    import importlib

    from skaudio.persistence import TRUSTED_TYPES

    for name in TRUSTED_TYPES:
        module, _, cls = name.rpartition(".")
        if module.startswith("skaudio.nets"):
            pytest.importorskip("skorch")
        assert module.split(".")[0] in {"skaudio", "sklearn"}
        assert isinstance(getattr(importlib.import_module(module), cls), type)


@pytest.mark.parametrize("kind", ["classical", "voting", "net"])
def test_save_model_load_model_round_trip(clips, classical, kind, tmp_path, request):
    from skaudio.persistence import load_model, save_model

    if kind == "voting":
        model = SegmentVotingClassifier(classical, segment_duration=0.25, sr=SR, voting="hard")
        model.fit(clips(), LABELS)
    else:
        model = classical if kind == "classical" else request.getfixturevalue("net_pipeline")
    loaded = load_model(save_model(model, tmp_path / "m.skops"))
    X = clips(4, duration=0.5)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_load_model_refuses_a_pickle_unless_trusted(clips, classical, tmp_path):
    from skaudio.exceptions import SkaudioError
    from skaudio.persistence import load_model

    path = tmp_path / "m.joblib"
    joblib.dump(classical, path)  # written here, so it may be read here
    with pytest.raises(SkaudioError, match=r"runs any code.*trust_pickle=True"):
        load_model(path)
    with pytest.warns(UserWarning, match="runs any code"):
        loaded = load_model(path, trust_pickle=True)
    np.testing.assert_array_equal(loaded.predict(clips(2)), classical.predict(clips(2)))


def test_load_model_lists_untrusted_types(classical, tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    from skaudio.exceptions import SkaudioError
    from skaudio.persistence import load_model, save_model

    model = make_pipeline(FunctionTransformer(abs), SVC()).fit(np.ones((4, 2)), [0, 1] * 2)
    with pytest.raises(SkaudioError, match="builtins.abs"):
        save_model(model, tmp_path / "m.skops")  # nothing saved that cannot be loaded
    sio.dump(model, tmp_path / "m.skops")
    with pytest.raises(SkaudioError, match=r"does not trust: builtins\.abs\b"):
        load_model(tmp_path / "m.skops")
    loaded = load_model(tmp_path / "m.skops", trusted=["builtins.abs"])  # checked: harmless
    assert loaded.predict(np.ones((1, 2))).shape == (1,)


# --------------------------------------------------------------------------
# Tampered files holding trusted types only (finding 6 of issue 13)
# --------------------------------------------------------------------------


def _tamper(src, dst, cls_name, **params):
    """Copy a skops file, setting ``params`` of every ``cls_name`` object in its schema.

    Each edited value gets an ``__id__`` of its own: skops loads every node
    of one id as one object (all the Nones of a file share one), so an edit
    that kept the id would be read as the untouched value.
    """
    fresh_ids = iter(range(1, 10**6))

    def edit(node):
        if isinstance(node, dict):
            if node.get("__class__") == cls_name and node.get("__loader__") == "ObjectNode":
                for key, value in params.items():
                    node["content"]["content"][key]["content"] = json.dumps(value)
                    node["content"]["content"][key]["__id__"] = next(fresh_ids)
            for child in node.values():
                edit(child)
        elif isinstance(node, list):
            for child in node:
                edit(child)

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "schema.json":
                schema = json.loads(data)
                edit(schema)
                data = json.dumps(schema)
            zout.writestr(name, data)
    return dst


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"channels": 4096}, r"\(widest block\) = 4096, more than a loaded net may have"),
        # skops stores equal small ints once: n_blocks and input_shape_[0] change together
        ({"n_blocks": 10**9}, "= 1000000000, more than a loaded net may have"),
        ({"kernel_size": 5}, "weights in the file do not match its parameters"),
        ({"channels": 8}, "weights in the file do not match its parameters"),
        ({"dropout": 7}, "invalid parameter"),
    ],
)
def test_tampered_net_sizes_are_refused_before_building(net_pipeline, tmp_path, params, message):
    """The issue's 4,096-channel CNN took 31 s and 1.6 GB before failing."""
    import time

    from skaudio.exceptions import SkaudioError
    from skaudio.persistence import load_model, save_model

    path = save_model(net_pipeline, tmp_path / "m.skops")
    evil = _tamper(path, tmp_path / "evil.skops", "CNNClassifier", **params)
    assert sorted(sio.get_untrusted_types(file=evil)) == sorted(NET_TRUSTED)  # nothing extra
    start = time.perf_counter()
    with pytest.raises(SkaudioError, match=message):
        load_model(evil)
    with pytest.raises(ValueError, match=message):
        sio.load(evil, trusted=NET_TRUSTED)  # the check is the net's own
    assert time.perf_counter() - start < 5


def test_tampered_wavenet_dilation_is_refused(clips, tmp_path):
    pytest.importorskip("skorch")
    from skaudio.exceptions import SkaudioError
    from skaudio.nets import WaveNetClassifier
    from skaudio.persistence import load_model, save_model

    net = WaveNetClassifier(n_blocks=1, n_layers=3, residual_channels=4, skip_channels=4,
                            max_epochs=1, random_state=0).fit(clips(4), LABELS[:4])
    path = save_model(net, tmp_path / "m.skops")
    evil = _tamper(path, tmp_path / "evil.skops", "WaveNetClassifier", n_layers=200)
    with pytest.raises(SkaudioError, match=r"n_blocks x n_layers = 200.*MAX_LOADED_LAYERS"):
        load_model(evil)
    evil = _tamper(path, tmp_path / "evil.skops", "WaveNetClassifier", n_layers=20,
                   kernel_size=9)
    with pytest.raises(SkaudioError, match="last dilation"):
        load_model(evil)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_fft": 2**20}, r"n_fft=1048576, outside the range"),
        ({"hop_length": 1, "n_fft": 4096}, "spectrogram values per second"),
        ({"n_mels": 10**6}, "n_mels=1000000"),
        ({"sr": 10**9}, "sr=1000000000"),
        ({"on_error": "bogus"}, "invalid parameter"),
    ],
)
def test_tampered_feature_sizes_are_refused(classical, tmp_path, params, message):
    from skaudio.exceptions import SkaudioError
    from skaudio.persistence import load_model, save_model

    path = save_model(classical, tmp_path / "m.skops")
    with pytest.raises(SkaudioError, match=message):
        load_model(_tamper(path, tmp_path / "evil.skops", "LibrosaFeatures", **params))


def test_tampered_segment_duration_is_refused(clips, classical, tmp_path):
    from skaudio.exceptions import SkaudioError
    from skaudio.persistence import load_model, save_model

    model = SegmentVotingClassifier(classical, segment_duration=0.25, sr=SR, voting="hard")
    path = save_model(model.fit(clips(), LABELS), tmp_path / "m.skops")
    evil = _tamper(path, tmp_path / "evil.skops", "SegmentVotingClassifier",
                   segment_duration=1e-6)
    with pytest.raises(SkaudioError, match="segment_duration=1e-06"):
        load_model(evil)


def test_a_model_file_chooses_no_cache_folder_and_no_process_count(clips, classical, tmp_path):
    """memory= in a file would let whoever owns that folder supply the features."""
    from skaudio.persistence import load_model, save_model

    theirs, mine = tmp_path / "theirs", tmp_path / "mine"
    path = save_model(classical, tmp_path / "m.skops")
    evil = _tamper(path, tmp_path / "evil.skops", "LibrosaFeatures", memory=str(theirs),
                   n_jobs=10_000)
    assert sio.get_untrusted_types(file=evil) == CLASSICAL_TRUSTED
    raw = sio.load(evil, trusted=CLASSICAL_TRUSTED)  # the file does ask for them
    assert (raw[0].memory, raw[0].n_jobs) == (str(theirs), 10_000)
    loaded = load_model(evil)
    assert loaded[0].memory is None and loaded[0].n_jobs is None
    loaded.predict(clips(2))
    assert not theirs.exists()
    loaded = load_model(evil, memory=str(mine), n_jobs=1)
    assert (loaded[0].memory, loaded[0].n_jobs) == (str(mine), 1)
    loaded.predict(clips(2))
    assert not theirs.exists() and mine.is_dir()


def test_archive_sizes_are_bounded_before_reading(classical, tmp_path, monkeypatch):
    import skaudio.persistence
    from skaudio.exceptions import SkaudioError
    from skaudio.persistence import load_model, save_model

    path = save_model(classical, tmp_path / "m.skops")
    monkeypatch.setattr(skaudio.persistence, "MAX_MODEL_BYTES", 1000)
    with pytest.raises(SkaudioError, match="MAX_MODEL_BYTES"):
        load_model(path)
    monkeypatch.undo()
    # an array whose header declares 8 GB, in a member of a few bytes
    evil = tmp_path / "evil.skops"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(evil, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name.endswith(".npy"):
                buf = io.BytesIO()
                np.lib.format.write_array_header_1_0(
                    buf, {"descr": "<f8", "fortran_order": False, "shape": (10**9,)})
                data = buf.getvalue() + b"\0" * 16
            zout.writestr(name, data)
    with pytest.raises(SkaudioError, match="declares 8000000000 bytes"):
        load_model(evil)
