"""Neural-network classifiers for audio, built on torch and skorch.

This subpackage is the only part of skaudio that imports torch; install it
with ``pip install skaudio[torch]``. ``import skaudio`` alone never imports
torch.

- :class:`CNNClassifier`: a 2-D CNN (plain, ResNet, VGG or DenseNet style)
  on mel spectrograms of shape ``(n_clips, 1, n_mels, n_frames)``.
- :class:`WaveNetClassifier`: gated dilated residual conv stacks on raw
  audio of shape ``(n_clips, 1, n_samples)``.
- :class:`MelCNN`, :class:`WaveNet`: the torch modules behind them;
  :class:`GaborFilterbank`: the WaveNet's learnable front end.
"""

from skaudio.nets.estimators import CNNClassifier, WaveNetClassifier
from skaudio.nets.frontend import TorchMelSpectrogram
from skaudio.nets.modules import GaborFilterbank, MelCNN, WaveNet

__all__ = ["CNNClassifier", "WaveNetClassifier", "MelCNN", "WaveNet", "GaborFilterbank",
           "TorchMelSpectrogram"]
