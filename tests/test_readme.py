"""The README's Python snippets, the first code a new user copies, run and print what they say."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import soundfile as sf
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
_OUTPUT = re.compile(r"#\s*(accuracy .*)$", re.M)


def _block(containing):
    (block,) = [b for b in _BLOCKS if containing in b]
    return block


def test_first_example_prints_what_the_readme_says():
    """'A first example' runs as written; its printed line is the one in its comment."""
    block = _block("cross_val_score")
    (promised,) = _OUTPUT.findall(block)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README: A first example", "exec"), {})
    assert out.getvalue().strip() == promised.strip()


def test_headline_pipeline_fits_on_paths(tmp_path):
    """The headline snippet, given `paths` and `genres`, fits and predicts from files."""
    from skaudio.datasets import make_genres

    clips = make_genres(n_per_class=3, n_classes=2, duration=3.0, random_state=0)
    paths = []
    for i, clip in enumerate(clips.data):
        paths.append(str(tmp_path / f"clip{i}.wav"))
        sf.write(paths[-1], clip, clips.sr)
    namespace = {"paths": paths, "genres": list(clips.target)}
    block = _block("GridSearchCV(pipe")
    *body, last = block.strip().splitlines()  # the last line builds a grid search
    exec(compile("\n".join(body) + "\nsearch = " + last, "README: headline", "exec"), namespace)
    pipe, search = namespace["pipe"], namespace["search"]
    for candidate in ParameterGrid(search.param_grid):  # an unknown name would raise here
        params = clone(pipe).set_params(**candidate).get_params()
        assert {name: params[name] for name in candidate} == candidate
    assert pipe.named_steps["feat"].n_features_in_ == 1
    assert pipe.named_steps["svm"].n_features_in_ == len(
        pipe.named_steps["feat"].get_feature_names_out())
    predicted = pipe.predict(paths)
    assert set(predicted) <= set(clips.target) and len(predicted) == len(paths)
    assert np.mean(predicted == np.asarray(clips.target)) >= 5 / 6  # its own training clips
