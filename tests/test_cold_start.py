"""The feature path imports no librosa module: none of librosa's numba kernels compile.

Every librosa module imports ``librosa.util``, whose ``guvectorize`` kernels
compile for all their signatures at import on a fresh install (15 s of CPU,
two thirds of the first clip's time; benchmarks/results/cold_start.md).
"""

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import soundfile as sf
    from skaudio import LibrosaFeatures, MelSpectrogram
    from skaudio.datasets import make_genres
    from skaudio.functional import _blockwise

    clips = make_genres(n_per_class=1, n_classes=2, duration=4.0, random_state=0).data
    sf.write(sys.argv[1], clips[1], 22050)
    rows = [LibrosaFeatures(features=preset).fit_transform(clips)
            for preset in ("gtzan", "full")]
    rows.append(LibrosaFeatures().fit_transform([sys.argv[1]]))
    rows.append(MelSpectrogram().fit_transform(clips).reshape(2, -1))
    _blockwise.BLOCK_FRAMES = 40  # a long clip's path: blocks of frames
    rows += [LibrosaFeatures(features=preset).fit_transform(clips)
             for preset in ("gtzan", "full")]
    print(json.dumps({"finite": all(bool(np.isfinite(r).all()) for r in rows),
                      "librosa": sorted(m for m in sys.modules if m.startswith("librosa"))}))
""")


@pytest.fixture(scope="module")
def after_transforms(tmp_path_factory):
    """The librosa modules a fresh process holds after skaudio's transforms."""
    wav = tmp_path_factory.mktemp("cold") / "clip.wav"
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(wav)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_features_compile_no_librosa_kernel(after_transforms):
    assert after_transforms["finite"]
    loaded = set(after_transforms["librosa"])
    assert "librosa.util.utils" not in loaded
    assert "librosa.core.spectrum" not in loaded
    assert loaded <= {"librosa", "librosa.version"}, loaded  # librosa's lazy top level at most
