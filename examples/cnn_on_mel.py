"""A small CNN on log-mel spectrograms (needs the torch extra).

``pip install skaudio[torch]``. MelSpectrogram turns clips into
``(n_clips, 1, n_mels, n_frames)`` tensors; CNNClassifier is a scikit-learn
classifier trained with skorch, so the pair is one Pipeline.
"""

from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skaudio import MelSpectrogram
from skaudio.datasets import make_genres
from skaudio.nets import CNNClassifier

sr = 16000
bunch = make_genres(n_per_class=10, duration=2.0, n_classes=3, difficulty=0.2, sr=sr,
                    random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    bunch.data, bunch.target, test_size=0.3, stratify=bunch.target, random_state=0)

model = make_pipeline(
    MelSpectrogram(sr=sr, n_fft=1024, hop_length=512, n_mels=40, duration=2.0),
    CNNClassifier(n_blocks=2, channels=8, max_epochs=8, lr=3e-3, batch_size=8,
                  random_state=0),
)
model.fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.2f}")
