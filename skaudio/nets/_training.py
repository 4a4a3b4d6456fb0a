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

:class:`LRSchedule` sets the learning rate before every training step: one
cycle (a warm-up, then a cosine decay) or a cosine decay over all of
training, or a constant rate.
"""

import math

import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from skorch.dataset import unpack_data

from skaudio.augment import crop_starts

__all__ = ["AudioNet", "LRSchedule", "scheduled_lr"]

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


def scheduled_lr(progress, *, peak, kind="onecycle", warmup=0.3, start_div=25.0,
                 final_div=1e4):
    """The learning rate ``progress`` of the way (0 to 1) through training.

    Parameters
    ----------
    progress : float
        Training steps done over all training steps.
    peak : float
        The largest learning rate (the net's ``lr``).
    kind : {"onecycle", "cosine", "constant"}, default="onecycle"
        ``"onecycle"`` (Smith & Topin, 2019, as torch's ``OneCycleLR``):
        rises from ``peak / start_div`` to ``peak`` along a half cosine over
        the first ``warmup`` of training, then falls to ``peak / final_div``
        along a half cosine. ``"cosine"``: the fall only, from the first
        step. ``"constant"``: ``peak`` throughout.
    warmup : float, default=0.3
        Fraction of training spent rising (``"onecycle"`` only).
    start_div, final_div : float, default=25.0, 1e4
        How far below ``peak`` the rate starts and ends.

    Returns
    -------
    lr : float

    Examples
    --------
    >>> [round(scheduled_lr(p, peak=1e-2), 5) for p in (0.0, 0.3, 1.0)]
    [0.0004, 0.01, 0.0]
    >>> scheduled_lr(0.5, peak=1e-2, kind="cosine") < scheduled_lr(0.5, peak=1e-2)
    True
    """
    if kind == "constant":
        return peak
    if kind == "onecycle" and progress < warmup:
        low = peak / start_div
        return low + (peak - low) * 0.5 * (1.0 - math.cos(math.pi * progress / warmup))
    start = warmup if kind == "onecycle" else 0.0
    frac = min(1.0, max(0.0, (progress - start) / (1.0 - start)))
    low = peak / final_div
    return low + (peak - low) * 0.5 * (1.0 + math.cos(math.pi * frac))


class LRSchedule(Callback):
    """Set the optimizer's learning rate before each training step (skorch callback).

    The schedule spans ``max_epochs`` epochs of ``ceil(n_train /
    batch_size)`` steps, counted from the training set of the first epoch;
    early stopping ends it early. Each step's rate is kept in the history
    (``net.history[:, "batches", :, "lr"]``).

    Parameters
    ----------
    kind : {"onecycle", "cosine", "constant"}
        See :func:`scheduled_lr`.
    peak : float
        The largest learning rate.
    max_epochs : int
        Epochs the schedule spans.

    Examples
    --------
    >>> LRSchedule("onecycle", 3e-3, 20).initialize().step_
    0
    """

    def __init__(self, kind, peak, max_epochs):
        self.kind = kind
        self.peak = peak
        self.max_epochs = max_epochs

    def initialize(self):
        self.step_ = 0
        self.steps_per_epoch_ = None
        return self

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.steps_per_epoch_ is None:
            self.steps_per_epoch_ = max(1, math.ceil(len(dataset_train) / net.batch_size))

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        progress = self.step_ / (self.steps_per_epoch_ * self.max_epochs)
        lr = scheduled_lr(progress, peak=self.peak, kind=self.kind)
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        net.history.record_batch("lr", lr)
        self.step_ += 1
