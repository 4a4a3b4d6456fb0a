"""The skorch net behind the skaudio estimators: crops and augmentation in training,
crop-averaged inference.

:class:`AudioNet` changes two steps of :class:`skorch.NeuralNetClassifier`:

- ``train_step_single`` hands each training batch (on the CPU, as numpy) to a
  :class:`skaudio.augment.BatchAugmenter` (one random crop per clip, then the
  augmentation recipe, mixup last) before the forward pass; with mixup the
  loss is ``lam * loss(y) + (1 - lam) * loss(y[perm])``.
- ``infer`` in evaluation mode (validation scores, ``predict_proba``) runs
  the module on the windows of ``crop`` steps every ``crop_hop`` steps that
  cover each whole clip, and returns the log of the mean window
  probability: skorch's softmax then gives exactly that mean.

Nothing random happens outside ``train_step_single``, so predictions never
depend on the augmentation.
"""

import math

import torch
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data

from skaudio.augment import crop_starts

__all__ = ["AudioNet"]

_MAX_WINDOWS = 256  # windows per forward pass at inference: bounds the memory


class AudioNet(NeuralNetClassifier):
    """A NeuralNetClassifier with train-time crops/augmentation and crop-averaged inference.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`skorch.NeuralNetClassifier`.
    crop : int or None, default=None
        Window length along the last axis; None trains and predicts on whole
        clips.
    crop_hop : int or None, default=None
        Steps between inference windows; None is half a crop.
    augmenter : callable or None, default=None
        ``augmenter(X) -> (X, perm, lam)`` on a numpy training batch (see
        :class:`skaudio.augment.BatchAugmenter`, which also draws the
        training crops); None trains on the batches as they come.
    """

    def __init__(self, *args, crop=None, crop_hop=None, augmenter=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.crop = crop
        self.crop_hop = crop_hop
        self.augmenter = augmenter

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        perm, lam = None, 1.0
        if self.augmenter is not None:
            X_np, perm, lam = self.augmenter(Xi.numpy())
            Xi = torch.from_numpy(X_np)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        if perm is not None:
            partner = self.get_loss(y_pred, yi[torch.from_numpy(perm)], X=Xi, training=True)
            loss = lam * loss + (1.0 - lam) * partner
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def infer(self, x, **fit_params):
        if self.crop is None or self.module_.training or not torch.is_tensor(x):
            return super().infer(x, **fit_params)
        n_steps = x.shape[-1]
        if n_steps <= self.crop:
            return super().infer(x, **fit_params)
        starts = crop_starts(n_steps, length=self.crop, hop=self.crop_hop)
        n_windows = len(starts)
        windows = torch.stack([x[..., s:s + self.crop] for s in starts], dim=1)
        windows = windows.reshape(-1, *x.shape[1:-1], self.crop)  # clip-major
        forward = super().infer
        log_proba = torch.cat([
            torch.log_softmax(forward(windows[i:i + _MAX_WINDOWS], **fit_params), dim=-1)
            for i in range(0, len(windows), _MAX_WINDOWS)
        ])
        log_proba = log_proba.reshape(len(x), n_windows, -1)
        return torch.logsumexp(log_proba, dim=1) - math.log(n_windows)

