"""Train a model on a folder of labelled audio, save it, classify new files.

The same as ``skaudio train --data folder:DIR --model svm --out FILE`` then
``skaudio predict FILE song.wav ...``. Here the "songs" are generated and
written as wav files so the example runs anywhere.
"""

import tempfile
from pathlib import Path

import soundfile as sf

from skaudio.benchmark import train_model
from skaudio.cli import main
from skaudio.datasets import make_genres
from skaudio.persistence import load_model, save_model

sr = 16000
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    songs = make_genres(n_per_class=8, duration=2.0, n_classes=3, sr=sr, random_state=0)
    for i, (y, genre) in enumerate(zip(songs.data, songs.target, strict=True)):
        (root / "train" / genre).mkdir(parents=True, exist_ok=True)
        sf.write(root / "train" / genre / f"{i:03d}.wav", y, sr)  # train/<genre>/<file>.wav

    # Python API: fit on the whole folder, save with skops (no code runs when it is loaded)
    model = train_model(f"folder:{root / 'train'}", "svm", features={"sr": sr})
    save_model(model, root / "genres.skops")

    # New files to classify (another seed, so new artists)
    new = make_genres(n_per_class=1, duration=2.0, n_classes=3, sr=sr, random_state=7)
    paths = []
    for y, genre in zip(new.data, new.target, strict=True):
        paths.append(str(root / f"new_{genre}.wav"))
        sf.write(paths[-1], y, sr)

    model = load_model(root / "genres.skops")  # trusts skaudio's and scikit-learn's types only
    print("predicted:", model.predict(paths).tolist(), "true:", new.target.tolist())

    # The command line does the same, one tab-separated line per file
    main(["predict", str(root / "genres.skops"), *paths])
