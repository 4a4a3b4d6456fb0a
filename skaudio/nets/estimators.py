"""skorch-backed scikit-learn classifiers: :class:`CNNClassifier`, :class:`WaveNetClassifier`."""

from numbers import Integral

from skaudio._sklearn_compat import Interval, StrOptions
from skaudio.nets._base import BaseNetClassifier
from skaudio.nets.modules import ARCHITECTURES, MelCNN, WaveNet, block_widths

__all__ = ["CNNClassifier", "WaveNetClassifier"]

_TRAINING_CONSTRAINTS = dict(BaseNetClassifier._parameter_constraints)


class CNNClassifier(BaseNetClassifier):
    """A convolutional classifier for mel spectrograms, trained with skorch.

    Parameters
    ----------
    architecture : {"resnet", "plain", "vgg", "densenet"}, default="resnet"
        ``"resnet"``: residual blocks of two convs; ``"plain"``: one
        conv-bn-relu then pool per block (2.7x cheaper, 2.8 points less
        accurate on unseen FSDD speakers, ``benchmarks/results/nets_cpu.md``);
        ``"vgg"``: VGG-BN blocks of two conv-bn-relu then pool;
        ``"densenet"``: two densely connected convs and a 1x1 transition.
        All are built here for 1-channel input; no pretrained weights.
    n_blocks : int, default=4
        Number of blocks; each halves both spectrogram axes.
    channels : int or sequence of int, default=16
        Width of the first block, doubled at each block up to 8x; or one
        width per block.
    kernel_size : int, default=3
        Odd size of the square conv kernels.
    batchnorm : bool, default=True
        Batch normalisation after each conv. Each input spectrogram is
        standardised (zero mean, unit variance) in any case, so dB offsets
        do not matter.
    dropout : float, default=0.2
        Dropout before the final linear layer.
    pooling : {"max", "avg"}, default="max"
        The 2x2 pooling closing each block.
    global_pooling : {"avg", "max", "avgmax"}, default="avg"
        Pooling of the last feature map over frequency and time, so any
        spectrogram size works.
    crop : int or None, default=None
        Random-crop training: each epoch, every clip is cut to one fresh
        random window of ``crop`` frames (drawn from ``random_state``), so
        an epoch costs ``crop / n_frames`` of a full-clip epoch and the net
        sees a new view of each clip every epoch. ``predict_proba`` (and the
        validation scores) average the window probabilities over windows
        every ``crop_hop`` frames that cover the whole clip. Clips no longer
        than ``crop`` are used whole; None trains and predicts on whole
        clips. Seconds to frames: ``crop = round(seconds * sr /
        hop_length)`` for the spectrogram's ``sr`` and ``hop_length`` (3 s
        at 22,050 Hz, hop 512: 129 frames).
    crop_hop : int or None, default=None
        Frames between the starts of the prediction windows; None is half a
        crop. A last window ends at the clip's end, so all of it is seen.
    augment : None, "default" or dict, default="default"
        Train-only augmentation of each training batch (after the crop),
        every draw from ``random_state``; predictions are never augmented.
        A dict takes any of: ``"freq_mask"`` and ``"time_mask"`` (largest
        width, in mel bands and frames, of SpecAugment masks, set to the
        clip's mean), ``"n_masks"`` (masks per axis, default 1),
        ``"freq_shift"`` (largest shift along the mel axis, in bands: a cheap
        pitch / vocal-tract-length change), ``"time_shift"`` (largest
        circular shift in frames) and ``"mixup"`` (the Beta parameter
        alpha; mixes pairs of clips and their losses).
        ``"default"`` is ``{"freq_mask": n_mels // 8, "time_mask": frames //
        8, "time_shift": frames // 8, "n_masks": 1, "mixup": 0.2}`` with
        ``frames`` the crop (or clip) length. None trains on the clips as
        they are. Gain needs no augmenting: each spectrogram is standardised.
    lr : float, default=3e-3
        Learning rate of the optimizer: the peak of the one-cycle schedule.
    lr_schedule : {"onecycle", "cosine", "constant"}, default="onecycle"
        How the learning rate moves over the ``max_epochs`` epochs, set
        before every training step: ``"onecycle"`` rises from ``lr / 25``
        to ``lr`` over the first 30 % of the steps, then falls along a half
        cosine to ``lr / 1e4`` (as torch's ``OneCycleLR``); ``"cosine"``
        falls from ``lr`` from the first step; ``"constant"`` keeps ``lr``.
    max_epochs : int, default=20
        Number of passes over the training data (fewer with early stopping);
        the schedule spans all of them.
    batch_size : int, default=16
        Clips per gradient step, and per forward pass at prediction time.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        A name, or a class such as ``torch.optim.SGD``.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    patience : int or None, default=None
        Early stopping: stop after this many epochs without improvement of
        the validation loss (of the training loss when there is no
        validation split). With a validation split, the best weights are
        restored at the end. None trains for ``max_epochs``.
    validation_fraction : float or None, default=None
        Fraction of the training clips held out, stratified by class, to
        compute ``valid_loss`` and ``valid_acc`` each epoch. 0 or None: no
        split, every clip is used for training.
    device : "auto", str or torch.device, default="auto"
        ``"auto"`` uses CUDA when ``torch.cuda.is_available()`` at fit time,
        else the CPU. The resolved device is stored in ``device_``.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout, the validation
        split, the training crops and the augmentation. An int makes a CPU
        fit reproducible; the caller's global torch random state is left
        untouched.
    verbose : int, default=0
        1 prints skorch's per-epoch table as each epoch ends: training loss,
        validation loss and accuracy (with ``validation_fraction``) and
        seconds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the ``predict_proba`` columns.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net (``net_.module_`` is the torch module,
        ``net_.history`` the per-epoch losses).
    input_shape_ : tuple of int
        Shape of one training clip (channel axis included). Inputs to
        ``predict`` must match it except on the last (time) axis.
    n_epochs_ : int
        Epochs actually run.
    device_ : str
        The device the weights live on.

    See Also
    --------
    WaveNetClassifier : The same on raw waveforms.
    skaudio.nets.MelCNN : The underlying torch module.

    Notes
    -----
    ``X`` is array-like of shape ``(n_clips, 1, n_mels, n_frames)`` float32,
    as made by :class:`skaudio.MelSpectrogram`; ``(n_clips, n_mels, n_frames)``
    gets its channel axis added.

    There is no ``n_features_in_``: a clip is not a feature vector, and
    thanks to the global pooling head the time axis may differ between fit
    and predict. ``input_shape_`` records what was seen instead.

    Persistence with :mod:`joblib`, :mod:`pickle` or :mod:`skops.io` stores
    plain data: the parameters, fitted attributes, the weights as numpy
    arrays and the history; loading rebuilds ``net_`` (its optimizer state is
    not kept). A net trained on CUDA is loaded on the CPU when CUDA is absent
    (with a skorch ``DeviceWarning``), and ``device_`` then reads ``"cpu"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skaudio.nets import CNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((24, 1, 16, 20)).astype("float32")
    >>> y = np.array(["kick", "snare"] * 12)
    >>> clf = CNNClassifier(n_blocks=2, channels=4, max_epochs=1, random_state=0)
    >>> clf.fit(X, y).predict_proba(X).shape
    (24, 2)
    >>> clf.classes_
    array(['kick', 'snare'], dtype='<U5')
    """

    _input_ndim = 4
    _augment_kind = "spectrogram"
    _input_doc = "(n_clips, 1, n_mels, n_frames)"
    _input_hint = "Compute mel spectrograms first, e.g. with skaudio.MelSpectrogram."
    _module_class = MelCNN

    _parameter_constraints: dict = {
        **_TRAINING_CONSTRAINTS,
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "channels": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "batchnorm": ["boolean"],
        "pooling": [StrOptions({"max", "avg"})],
        "global_pooling": [StrOptions({"avg", "max", "avgmax"})],
    }

    def __init__(
        self,
        *,
        architecture="resnet",
        n_blocks=4,
        channels=16,
        kernel_size=3,
        batchnorm=True,
        dropout=0.2,
        pooling="max",
        global_pooling="avg",
        crop=None,
        crop_hop=None,
        augment="default",
        lr=3e-3,
        lr_schedule="onecycle",
        max_epochs=20,
        batch_size=16,
        optimizer="adam",
        weight_decay=0.0,
        patience=None,
        validation_fraction=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.architecture = architecture
        self.n_blocks = n_blocks
        self.channels = channels
        self.kernel_size = kernel_size
        self.batchnorm = batchnorm
        self.dropout = dropout
        self.pooling = pooling
        self.global_pooling = global_pooling
        self.crop = crop
        self.crop_hop = crop_hop
        self.augment = augment
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _check_sizes(self):
        from skaudio.nets import _base

        self._bound("n_blocks", self.n_blocks, _base.MAX_LOADED_LAYERS, "MAX_LOADED_LAYERS")
        self._bound("kernel_size", self.kernel_size, _base.MAX_LOADED_KERNEL,
                    "MAX_LOADED_KERNEL")
        channels = self.channels
        channels = int(channels) if isinstance(channels, Integral) else list(channels)
        self._bound("channels (widest block)", max(block_widths(channels, self.n_blocks)),
                    _base.MAX_LOADED_WIDTH, "MAX_LOADED_WIDTH")

    def _module_params(self):
        channels = self.channels
        channels = int(channels) if isinstance(channels, Integral) else list(channels)
        block_widths(channels, self.n_blocks)  # raises early on a length mismatch
        return dict(
            architecture=self.architecture,
            n_blocks=self.n_blocks,
            channels=channels,
            kernel_size=self.kernel_size,
            batchnorm=self.batchnorm,
            dropout=self.dropout,
            pooling=self.pooling,
            global_pooling=self.global_pooling,
            in_channels=self.input_shape_[0],
        )


class WaveNetClassifier(BaseNetClassifier):
    """A WaveNet-style classifier for raw audio, trained with skorch.

    A learnable Gabor filterbank (:class:`skaudio.nets.GaborFilterbank`)
    turns the waveform into log band powers every ``stride`` samples, then
    ``n_blocks`` stacks of ``n_layers`` dilated convs with gated
    activations (``tanh * sigmoid``), residual and skip connections; the
    summed skips are pooled over time into a linear head.

    Parameters
    ----------
    n_blocks : int, default=2
        Number of stacks of dilated layers.
    n_layers : int, default=8
        Layers per stack, with dilations ``1, 2, 4, ..., 2**(n_layers - 1)``.
    residual_channels : int, default=32
        Channels of the residual stream.
    skip_channels : int, default=64
        Channels of the skip connections feeding the head.
    kernel_size : int, default=2
        Size of the dilated conv kernels.
    causal : bool, default=False
        Left-padded causal convs as in the original WaveNet; the default
        centred convs suit whole-clip classification.
    frontend : {"gabor", "conv"}, default="gabor"
        ``"gabor"``: ``n_filters`` Gabor filters, each with a learnable
        centre frequency and width (started on a mel-like scale), whose log
        band powers feed the dilated stacks: a learnable log-mel
        spectrogram. ``"conv"``: one free strided conv with kernel ``2 *
        stride`` (it learns the training clips by heart: 0.644 against
        0.945 on unseen FSDD speakers, ``benchmarks/results/nets_cpu.md``).
    n_filters : int, default=40
        Filters of the ``"gabor"`` front end.
    stride : int, default=128
        Samples between the front end's output steps (16 ms at 8 kHz, 8 ms
        at 16 kHz); 1 works on every sample (slow).
    dropout : float, default=0.2
        Dropout before the final linear layer.
    global_pooling : {"avg", "max", "avgmax"}, default="avgmax"
        Pooling of the summed skips over time; ``"avgmax"`` concatenates
        their mean and maximum.
    crop : int or None, default=None
        Random-crop training: each epoch, every clip is cut to one fresh
        random window of ``crop`` samples (drawn from ``random_state``), so
        an epoch costs ``crop / n_samples`` of a full-clip epoch and the net
        sees a new view of each clip every epoch. ``predict_proba`` (and the
        validation scores) average the window probabilities over windows
        every ``crop_hop`` samples that cover the whole clip. Clips no longer
        than ``crop`` are used whole; None trains and predicts on whole
        clips. Seconds to samples: ``crop = round(seconds * sr)`` (3 s at
        8 kHz: 24,000).
    crop_hop : int or None, default=None
        Samples between the starts of the prediction windows; None is half a
        crop. A last window ends at the clip's end, so all of it is seen.
    augment : None, "default" or dict, default="default"
        Train-only augmentation of each training batch (after the crop),
        every draw from ``random_state``; predictions are never augmented.
        A dict takes any of: ``"gain_db"`` (largest random gain in dB),
        ``"snr_db"`` (white noise at this signal-to-noise ratio in dB, or a
        ``(low, high)`` range to draw it from), ``"time_shift"`` (largest
        circular shift in samples), ``"time_mask"`` and ``"n_masks"``
        (stretches of at most that many samples set to the clip's mean)
        and ``"mixup"`` (the Beta parameter alpha). ``"default"`` is
        ``{"gain_db": 6.0, "snr_db": (10.0, 40.0), "time_shift": samples //
        10, "time_mask": samples // 10, "n_masks": 1}`` with ``samples`` the
        crop (or clip) length; mixup is opt-in. None trains on the clips as
        they are. Each clip is standardised in the net, so gain matters only
        together with noise.
    lr : float, default=3e-3
        Learning rate of the optimizer: the peak of the one-cycle schedule.
    lr_schedule : {"onecycle", "cosine", "constant"}, default="onecycle"
        How the learning rate moves over the epochs, set before every
        training step; see :class:`CNNClassifier` (one cycle: a warm-up
        over the first 30 % of the steps, then a cosine decay).
    max_epochs : int, default=20
        Number of passes over the training data (fewer with early stopping).
    batch_size : int, default=16
        Clips per gradient step, and per forward pass at prediction time.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        A name, or a class such as ``torch.optim.SGD``.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    patience : int or None, default=None
        Early stopping: stop after this many epochs without improvement of
        the validation loss (of the training loss when there is no
        validation split). With a validation split, the best weights are
        restored at the end. None trains for ``max_epochs``.
    validation_fraction : float or None, default=None
        Fraction of the training clips held out, stratified by class, to
        compute ``valid_loss`` and ``valid_acc`` each epoch. 0 or None: no
        split, every clip is used for training.
    device : "auto", str or torch.device, default="auto"
        ``"auto"`` uses CUDA when ``torch.cuda.is_available()`` at fit time,
        else the CPU. The resolved device is stored in ``device_``.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout, the validation
        split, the training crops and the augmentation. An int makes a CPU
        fit reproducible; the caller's global torch random state is left
        untouched.
    verbose : int, default=0
        1 prints skorch's per-epoch table as each epoch ends: training loss,
        validation loss and accuracy (with ``validation_fraction``) and
        seconds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the ``predict_proba`` columns.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net (``net_.module_`` is the torch module,
        ``net_.history`` the per-epoch losses).
    input_shape_ : tuple of int
        Shape of one training clip (channel axis included). Inputs to
        ``predict`` must match it except on the last (time) axis.
    n_epochs_ : int
        Epochs actually run.
    device_ : str
        The device the weights live on.

    See Also
    --------
    CNNClassifier : The same on mel spectrograms.
    skaudio.nets.WaveNet : The underlying torch module.

    Notes
    -----
    ``X`` is array-like of shape ``(n_clips, 1, n_samples)`` float32, as made
    by :class:`skaudio.RawWaveform`; a 2-D ``(n_clips, n_samples)`` array of
    equal-length clips gets its channel axis added.

    There is no ``n_features_in_``: a clip is not a feature vector, and
    thanks to the global pooling head the time axis may differ between fit
    and predict. ``input_shape_`` records what was seen instead.

    Persistence with :mod:`joblib`, :mod:`pickle` or :mod:`skops.io` stores
    plain data: the parameters, fitted attributes, the weights as numpy
    arrays and the history; loading rebuilds ``net_`` (its optimizer state is
    not kept). A net trained on CUDA is loaded on the CPU when CUDA is absent
    (with a skorch ``DeviceWarning``), and ``device_`` then reads ``"cpu"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skaudio.nets import WaveNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((16, 1, 800)).astype("float32")
    >>> y = np.repeat([0, 1], 8)
    >>> clf = WaveNetClassifier(n_blocks=1, n_layers=3, residual_channels=4,
    ...                         skip_channels=4, max_epochs=1, random_state=0)
    >>> clf.fit(X, y).predict(X).shape
    (16,)
    """

    _input_ndim = 3
    _augment_kind = "waveform"
    _input_doc = "(n_clips, 1, n_samples)"
    _input_hint = "Pass raw waveforms, e.g. from skaudio.RawWaveform."
    _module_class = WaveNet

    _parameter_constraints: dict = {
        **_TRAINING_CONSTRAINTS,
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "residual_channels": [Interval(Integral, 1, None, closed="left")],
        "skip_channels": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "causal": ["boolean"],
        "frontend": [StrOptions({"gabor", "conv"})],
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "global_pooling": [StrOptions({"avg", "max", "avgmax"})],
    }

    def __init__(
        self,
        *,
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
        crop=None,
        crop_hop=None,
        augment="default",
        lr=3e-3,
        lr_schedule="onecycle",
        max_epochs=20,
        batch_size=16,
        optimizer="adam",
        weight_decay=0.0,
        patience=None,
        validation_fraction=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_blocks = n_blocks
        self.n_layers = n_layers
        self.residual_channels = residual_channels
        self.skip_channels = skip_channels
        self.kernel_size = kernel_size
        self.causal = causal
        self.frontend = frontend
        self.n_filters = n_filters
        self.stride = stride
        self.dropout = dropout
        self.global_pooling = global_pooling
        self.crop = crop
        self.crop_hop = crop_hop
        self.augment = augment
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _check_sizes(self):
        from skaudio.nets import _base

        self._bound("n_blocks x n_layers", self.n_blocks * self.n_layers,
                    _base.MAX_LOADED_LAYERS, "MAX_LOADED_LAYERS")
        self._bound("kernel_size", self.kernel_size, _base.MAX_LOADED_KERNEL,
                    "MAX_LOADED_KERNEL")
        for what in ("residual_channels", "skip_channels", "n_filters"):
            self._bound(what, getattr(self, what), _base.MAX_LOADED_WIDTH, "MAX_LOADED_WIDTH")
        self._bound("the last dilation x (kernel_size - 1)",
                    2 ** (self.n_layers - 1) * (self.kernel_size - 1), _base.MAX_LOADED_SPAN,
                    "MAX_LOADED_SPAN")
        self._bound("stride", self.stride, _base.MAX_LOADED_SPAN, "MAX_LOADED_SPAN")
        if self.frontend == "gabor":  # filters built at each forward pass, 2 numbers each
            self._bound("the Gabor filters' taps (4 x n_filters x stride)",
                        4 * self.n_filters * self.stride, _base.MAX_LOADED_TAPS,
                        "MAX_LOADED_TAPS")

    def _module_params(self):
        return dict(
            n_blocks=self.n_blocks,
            n_layers=self.n_layers,
            residual_channels=self.residual_channels,
            skip_channels=self.skip_channels,
            kernel_size=self.kernel_size,
            causal=self.causal,
            frontend=self.frontend,
            n_filters=self.n_filters,
            stride=self.stride,
            dropout=self.dropout,
            global_pooling=self.global_pooling,
            in_channels=self.input_shape_[0],
        )
