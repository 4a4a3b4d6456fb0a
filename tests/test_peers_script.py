"""benchmarks/peers.py end to end on a tiny input: skaudio's sets only, no peers, no network."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from skaudio.datasets import make_genres

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "peers.py"


@pytest.fixture(scope="module")
def peers():
    if not SCRIPT.exists():
        pytest.skip(f"{SCRIPT} not found (benchmarks/ is not shipped in the wheel)")
    spec = importlib.util.spec_from_file_location("peers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def folder(tmp_path):
    bunch = make_genres(n_per_class=4, duration=1.0, n_classes=2, random_state=0)
    for k, (y, label) in enumerate(zip(bunch.data, bunch.target, strict=True)):
        (tmp_path / "audio" / label).mkdir(parents=True, exist_ok=True)
        sf.write(tmp_path / "audio" / label / f"clip{k}.wav", y, bunch.sr)
    return tmp_path / "audio"


def test_peers_script_writes_real_numbers(peers, folder, tmp_path):
    out = tmp_path / "peers.md"
    code = peers.main(["--data", "genres", "folder", "--folder", str(folder),
                       "--genres-per-class", "4", "--genres-classes", "2",
                       "--genres-duration", "1", "--no-peers",
                       "--sets", "skaudio-gtzan", "skaudio-full", "--out", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "## genres" in text and "## folder audio" in text
    assert "python benchmarks/peers.py --data genres folder" in text
    table = pd.read_csv(out.with_suffix(".csv"))
    assert sorted(table["dataset"].unique()) == ["folder audio", "genres"]
    gtzan = table[table["set"] == "skaudio-gtzan"]
    assert len(gtzan) == 2
    assert (gtzan["n_features"] == 57).all()
    assert (gtzan["cpu_s_per_clip"] > 0).all() and (gtzan["wall_s_per_clip"] > 0).all()
    assert gtzan["accuracy_mean"].between(0, 1).all()
    full = table[table["set"] == "skaudio-full"]
    assert len(full) == 2
    from skaudio import LibrosaFeatures

    n_full = len(LibrosaFeatures(features="full").fit([np.zeros(4000)]).get_feature_names_out())
    assert (full["n_features"] == n_full).all()
    assert full["accuracy_mean"].between(0, 1).all()
    assert (full["cpu_s_per_clip"] > 0).all()
    # "x gtzan" is each set's CPU time over the gtzan set's, on the same data set
    for dataset in ("genres", "folder audio"):
        rows = table[table["dataset"] == dataset].set_index("set")
        cpu = rows["cpu_s_per_clip"]
        assert rows.loc["skaudio-full", "ratio_to_gtzan"] == pytest.approx(
            cpu["skaudio-full"] / cpu["skaudio-gtzan"], rel=1e-3)
    assert not table["set"].isin(peers.PEER_SETS).any()


def test_unavailable_peer_is_a_note_not_a_number(peers, tmp_path):
    data = peers.load_genres(4, 1.0, 2)
    makers = {**peers.MAKERS,
              "pyaudioanalysis": lambda *a: peers.PyAudioAnalysis(
                  *a, python=tmp_path / "no-such-python")}
    frame = peers.run_dataset(data, ["skaudio-gtzan", "pyaudioanalysis"], makers,
                              log=lambda *_: None)
    row = frame[frame["set"] == "pyaudioanalysis"].iloc[0]
    assert row["note"].startswith("skipped: no pyAudioAnalysis environment")
    assert pd.isna(row.get("accuracy_mean", np.nan))
