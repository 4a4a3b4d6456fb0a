"""The torch modules behind the skaudio nets: a mel-spectrogram CNN and a WaveNet.

Both are plain :class:`torch.nn.Module` classes that take a batch and return
class logits of shape ``(batch, n_classes)``; they end in a global pooling
head, so any input length (and, for the CNN, any number of mel bands) works.
:class:`GaborFilterbank` is the WaveNet's learnable front end.
Nothing here knows about scikit-learn; :mod:`skaudio.nets.estimators` wraps
them.

Examples
--------
>>> import torch
>>> from skaudio.nets import MelCNN, WaveNet
>>> MelCNN(n_classes=3, n_blocks=2, channels=4)(torch.zeros(2, 1, 16, 20)).shape
torch.Size([2, 3])
>>> WaveNet(n_classes=3, n_blocks=1, n_layers=2, residual_channels=4,
...         skip_channels=4)(torch.zeros(2, 1, 800)).shape
torch.Size([2, 3])
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["GaborFilterbank", "MelCNN", "WaveNet", "block_widths"]

ARCHITECTURES = ("plain", "resnet", "vgg", "densenet")


def block_widths(channels, n_blocks):
    """Output channels of each CNN block.

    Parameters
    ----------
    channels : int or sequence of int
        An int is the width of the first block, doubled at each following
        block up to 8 times its value; a sequence gives one width per block.
    n_blocks : int
        Number of blocks; must equal ``len(channels)`` for a sequence.

    Returns
    -------
    widths : list of int of length n_blocks

    Examples
    --------
    >>> block_widths(16, 5)
    [16, 32, 64, 128, 128]
    >>> block_widths([8, 8], 2)
    [8, 8]
    """
    if isinstance(channels, int):
        return [channels * min(2**i, 8) for i in range(n_blocks)]
    widths = [int(c) for c in channels]
    if len(widths) != n_blocks:
        raise ValueError(
            f"channels={list(channels)} gives {len(widths)} block widths but "
            f"n_blocks={n_blocks}; pass one width per block or an int."
        )
    return widths


def _conv_bn_relu(in_ch, out_ch, kernel_size, batchnorm):
    layers = [
        nn.Conv2d(in_ch, out_ch, kernel_size, padding=kernel_size // 2, bias=not batchnorm)
    ]
    if batchnorm:
        layers.append(nn.BatchNorm2d(out_ch))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def _pool(kind):
    # ceil_mode keeps a size-1 axis at size 1, so tiny inputs never vanish.
    if kind == "max":
        return nn.MaxPool2d(2, ceil_mode=True)
    return nn.AvgPool2d(2, ceil_mode=True)


class _ResidualBlock(nn.Module):
    """Two 3x3 convs with an identity (or 1x1 projection) shortcut, then pooling."""

    def __init__(self, in_ch, out_ch, kernel_size, batchnorm, pooling):
        super().__init__()
        pad = kernel_size // 2
        self.conv1 = _conv_bn_relu(in_ch, out_ch, kernel_size, batchnorm)
        self.conv2 = nn.Conv2d(out_ch, out_ch, kernel_size, padding=pad, bias=not batchnorm)
        self.bn2 = nn.BatchNorm2d(out_ch) if batchnorm else nn.Identity()
        self.shortcut = (
            nn.Identity() if in_ch == out_ch else nn.Conv2d(in_ch, out_ch, 1, bias=False)
        )
        self.pool = _pool(pooling)

    def forward(self, x):
        out = self.bn2(self.conv2(self.conv1(x)))
        return self.pool(F.relu(out + self.shortcut(x)))


class _DenseBlock(nn.Module):
    """Two densely connected conv layers (growth ``out_ch // 2``) and a transition.

    The transition is a 1x1 conv to ``out_ch`` channels followed by pooling,
    as in DenseNet-BC.
    """

    def __init__(self, in_ch, out_ch, kernel_size, batchnorm, pooling, n_layers=2):
        super().__init__()
        growth = max(out_ch // 2, 1)
        self.layers = nn.ModuleList(
            _conv_bn_relu(in_ch + i * growth, growth, kernel_size, batchnorm)
            for i in range(n_layers)
        )
        self.transition = nn.Sequential(
            _conv_bn_relu(in_ch + n_layers * growth, out_ch, 1, batchnorm), _pool(pooling)
        )

    def forward(self, x):
        for layer in self.layers:
            x = torch.cat([x, layer(x)], dim=1)
        return self.transition(x)


def _cnn_block(architecture, in_ch, out_ch, kernel_size, batchnorm, pooling):
    if architecture == "plain":
        return nn.Sequential(
            _conv_bn_relu(in_ch, out_ch, kernel_size, batchnorm), _pool(pooling)
        )
    if architecture == "vgg":
        return nn.Sequential(
            _conv_bn_relu(in_ch, out_ch, kernel_size, batchnorm),
            _conv_bn_relu(out_ch, out_ch, kernel_size, batchnorm),
            _pool(pooling),
        )
    if architecture == "resnet":
        return _ResidualBlock(in_ch, out_ch, kernel_size, batchnorm, pooling)
    if architecture == "densenet":
        return _DenseBlock(in_ch, out_ch, kernel_size, batchnorm, pooling)
    raise ValueError(f"architecture={architecture!r} is not one of {ARCHITECTURES}.")


class Standardize(nn.Module):
    """Scale each example to zero mean and unit variance over all its values.

    Unlike an input batch norm this needs no running statistics, so a net
    trained for a few steps predicts as well as it trains, and dB offsets or
    gains of whole clips do not matter.
    """

    def __init__(self, eps=1e-5):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        dims = tuple(range(1, x.ndim))
        mean = x.mean(dim=dims, keepdim=True)
        std = x.std(dim=dims, keepdim=True, correction=0)
        return (x - mean) / (std + self.eps)


def _global_pool(x, kind):
    """Pool every axis after the channel axis away: (B, C, ...) -> (B, C) or (B, 2C)."""
    x = x.flatten(2)
    if kind == "avg":
        return x.mean(dim=2)
    if kind == "max":
        return x.amax(dim=2)
    return torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1)


class MelCNN(nn.Module):
    """A 2-D CNN over 1-channel (mel) spectrograms with a global pooling head.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    n_blocks : int, default=4
        Number of blocks; each one halves both spectrogram axes.
    channels : int or sequence of int, default=16
        Block widths, see :func:`block_widths`.
    kernel_size : int, default=3
        Odd size of the square conv kernels.
    batchnorm : bool, default=True
        Batch normalisation after each conv. Each input spectrogram is
        standardised (zero mean, unit variance) in any case.
    dropout : float, default=0.2
        Dropout before the final linear layer.
    pooling : {"max", "avg"}, default="max"
        The 2x2 pooling at the end of each block.
    global_pooling : {"avg", "max", "avgmax"}, default="avg"
        How the last feature map is pooled over frequency and time.
    architecture : {"plain", "resnet", "vgg", "densenet"}, default="plain"
        ``"plain"``: conv-bn-relu-pool blocks; ``"resnet"``: residual blocks
        of two convs; ``"vgg"``: two conv-bn-relu then pool; ``"densenet"``:
        two densely connected convs and a 1x1 transition with pooling.
    in_channels : int, default=1
        Channels of the input spectrogram.

    Notes
    -----
    Input shape is ``(batch, 1, n_mels, n_frames)``, output ``(batch, n_classes)``
    logits.

    Examples
    --------
    >>> import torch
    >>> net = MelCNN(n_classes=3, n_blocks=2, channels=4)
    >>> net(torch.zeros(2, 1, 32, 40)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        n_classes,
        n_blocks=4,
        channels=16,
        kernel_size=3,
        batchnorm=True,
        dropout=0.2,
        pooling="max",
        global_pooling="avg",
        architecture="plain",
        in_channels=1,
    ):
        super().__init__()
        widths = block_widths(channels, n_blocks)
        self.global_pooling = global_pooling
        self.input_norm = Standardize()
        blocks, in_ch = [], in_channels
        for width in widths:
            blocks.append(_cnn_block(architecture, in_ch, width, kernel_size, batchnorm, pooling))
            in_ch = width
        self.blocks = nn.Sequential(*blocks)
        head_in = in_ch * (2 if global_pooling == "avgmax" else 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(head_in, n_classes))

    def forward(self, x):
        x = self.blocks(self.input_norm(x))
        return self.head(_global_pool(x, self.global_pooling))


class _GatedResidualLayer(nn.Module):
    """Dilated conv -> tanh * sigmoid gate -> 1x1 residual and 1x1 skip outputs."""

    def __init__(self, residual_channels, skip_channels, kernel_size, dilation, causal):
        super().__init__()
        total = (kernel_size - 1) * dilation
        # Causal: all padding on the left, output t sees only inputs <= t.
        self.padding = (total, 0) if causal else (total // 2, total - total // 2)
        self.dilated = nn.Conv1d(
            residual_channels, 2 * residual_channels, kernel_size, dilation=dilation
        )
        self.residual = nn.Conv1d(residual_channels, residual_channels, 1)
        self.skip = nn.Conv1d(residual_channels, skip_channels, 1)

    def forward(self, x):
        filt, gate = self.dilated(F.pad(x, self.padding)).chunk(2, dim=1)
        z = torch.tanh(filt) * torch.sigmoid(gate)
        return x + self.residual(z), self.skip(z)


def _mel_spaced(n_filters, low=0.004, high=0.45):
    """Centres and half-power widths, in cycles per sample, of a mel-like filterbank.

    The mel scale is taken as for a 16 kHz signal (``low`` to ``high`` of the
    sample rate: 64 Hz to 7.2 kHz there); each filter's width is the spacing
    of its neighbours, like a triangular mel filter's.
    """
    def to_mel(f):
        return 2595.0 * math.log10(1.0 + f * 16000.0 / 700.0)

    def from_mel(m):
        return (10.0 ** (m / 2595.0) - 1.0) * 700.0 / 16000.0

    lo, hi = to_mel(low), to_mel(high)
    edges = torch.tensor([from_mel(lo + (hi - lo) * i / (n_filters + 1))
                          for i in range(n_filters + 2)])
    return edges[1:-1], (edges[2:] - edges[:-2]) / 2


class GaborFilterbank(nn.Module):
    """A learnable filterbank on raw audio: log band powers from Gabor filters.

    Each of ``n_filters`` filters is a complex Gabor filter (a Gaussian
    window times a cosine and a sine) with two learnable numbers, its
    centre frequency and its width, as in LEAF (Zeghidour et al., 2021);
    they start on a mel-like scale. The squared modulus of each filter's
    output is averaged over windows ``hop`` samples apart, log-compressed
    and batch-normalised per filter: a learnable log-mel spectrogram. With
    two numbers per filter the front end cannot learn the training
    speakers' waveforms by heart (free conv weights did: 0.644 on unseen
    FSDD speakers against 0.945, ``benchmarks/results/nets_cpu.md``).

    Parameters
    ----------
    n_filters : int, default=40
        Number of filters (output channels).
    hop : int, default=128
        Samples between output frames.
    in_channels : int, default=1
        Input channels; they are averaged to mono first.

    Notes
    -----
    Input ``(batch, in_channels, n_samples)``, output ``(batch, n_filters,
    about n_samples / hop)``. The filters are ``2 * hop`` samples long and
    evaluated every ``hop // 8`` samples.

    Examples
    --------
    >>> import torch
    >>> fb = GaborFilterbank(n_filters=8, hop=64)
    >>> fb(torch.randn(2, 1, 8000)).shape
    torch.Size([2, 8, 127])
    """

    def __init__(self, n_filters=40, hop=128, in_channels=1):
        super().__init__()
        self.n_filters = n_filters
        self.kernel_size = max(2, 2 * hop)
        self.conv_stride = max(1, hop // 8)
        self.pool = max(1, hop // self.conv_stride)
        centre, width = _mel_spaced(n_filters)
        # a Gaussian's half-power width w (cycles/sample) has time sigma 2.355 / (2 pi w)
        sigma = (2.355 / (2 * math.pi * width)).clamp(2.0, self.kernel_size / 5)
        self.centre = nn.Parameter(centre.float())
        self.sigma = nn.Parameter(sigma.float())
        taps = torch.arange(self.kernel_size, dtype=torch.float32) - (self.kernel_size - 1) / 2
        self.register_buffer("taps", taps, persistent=False)
        self.norm = nn.BatchNorm1d(n_filters)

    def filters(self):
        """The cosine then the sine filters, shape ``(2 * n_filters, 1, kernel_size)``."""
        centre = self.centre.clamp(0.0, 0.5)[:, None]
        sigma = self.sigma.clamp(1.0, self.kernel_size / 2)[:, None]
        window = torch.exp(-0.5 * (self.taps / sigma) ** 2)
        window = window / window.sum(dim=1, keepdim=True)
        phase = 2 * math.pi * centre * self.taps
        return torch.cat([window * torch.cos(phase), window * torch.sin(phase)])[:, None]

    def forward(self, x):
        x = x.mean(dim=1, keepdim=True)
        z = F.conv1d(x, self.filters(), stride=self.conv_stride, padding=self.kernel_size // 2)
        power = z[:, :self.n_filters] ** 2 + z[:, self.n_filters:] ** 2
        if self.pool > 1:
            power = F.avg_pool1d(power, 2 * self.pool, stride=self.pool, padding=self.pool,
                                 ceil_mode=True, count_include_pad=False)
        return self.norm(torch.log(power + 1e-6))


class WaveNet(nn.Module):
    """A WaveNet-style classifier over raw audio: gated dilated residual stacks.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    n_blocks : int, default=2
        Number of stacks of dilated layers.
    n_layers : int, default=8
        Layers per stack, with dilations ``1, 2, 4, ..., 2**(n_layers - 1)``.
    residual_channels : int, default=32
        Channels of the residual stream.
    skip_channels : int, default=64
        Channels of the summed skip connections feeding the head.
    kernel_size : int, default=2
        Size of the dilated conv kernels.
    causal : bool, default=False
        Causal (left-padded) convs, as in the original WaveNet; non-causal
        centred convs suit clip classification where the whole clip is known.
    frontend : {"gabor", "conv"}, default="gabor"
        What turns samples into the residual stream: ``"gabor"``, a
        :class:`GaborFilterbank` (log band powers of ``n_filters`` learnable
        Gabor filters, every ``stride`` samples) and a 1x1 conv;
        ``"conv"``, one free strided conv (kernel ``2 * stride``).
    n_filters : int, default=40
        Filters of the ``"gabor"`` front end.
    stride : int, default=128
        Samples between the front end's output steps (its hop); 1 keeps the
        full sample rate (slow).
    dropout : float, default=0.2
        Dropout before the final linear layer.
    global_pooling : {"avg", "max", "avgmax"}, default="avgmax"
        Pooling of the summed skips over time (``"avgmax"`` concatenates
        the mean and the maximum).
    in_channels : int, default=1
        Channels of the input waveform.

    Notes
    -----
    Input shape is ``(batch, 1, n_samples)``, output ``(batch, n_classes)``
    logits. Each input clip is standardised (zero mean, unit variance)
    first, so recording gain does not matter. The receptive field of the
    stacks, in front-end steps, is
    ``n_blocks * (kernel_size - 1) * (2**n_layers - 1) + 1``.

    Examples
    --------
    >>> import torch
    >>> net = WaveNet(n_classes=3, n_blocks=1, n_layers=3, residual_channels=4, skip_channels=8)
    >>> net(torch.zeros(2, 1, 1600)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        n_classes,
        n_blocks=2,
        n_layers=8,
        residual_channels=32,
        skip_channels=64,
        kernel_size=2,
        causal=False,
        frontend="gabor",
        n_filters=40,
        stride=128,
        dropout=0.2,
        global_pooling="avgmax",
        in_channels=1,
    ):
        super().__init__()
        self.input_norm = Standardize()
        self.global_pooling = global_pooling
        if frontend == "gabor":
            self.frontend = nn.Sequential(
                GaborFilterbank(n_filters, stride, in_channels),
                nn.Conv1d(n_filters, residual_channels, 1),
            )
            self.frontend_kernel = 1  # the filterbank pads
        else:
            self.frontend_kernel = 2 * stride if stride > 1 else 1
            self.frontend = nn.Conv1d(
                in_channels,
                residual_channels,
                self.frontend_kernel,
                stride=stride,
                padding=stride // 2,
            )
        self.layers = nn.ModuleList(
            _GatedResidualLayer(
                residual_channels, skip_channels, kernel_size, 2**layer, causal
            )
            for _ in range(n_blocks)
            for layer in range(n_layers)
        )
        self.post = nn.Sequential(
            nn.ReLU(), nn.Conv1d(skip_channels, skip_channels, 1), nn.ReLU()
        )
        head_in = skip_channels * (2 if global_pooling == "avgmax" else 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(head_in, n_classes))

    def forward(self, x):
        short = self.frontend_kernel - x.shape[-1]
        if short > 0:  # too short for the front end: zero-pad at the end
            x = F.pad(x, (0, short))
        x = self.frontend(self.input_norm(x))
        skips = 0
        for layer in self.layers:
            x, skip = layer(x)
            skips = skips + skip
        return self.head(_global_pool(self.post(skips), self.global_pooling))
