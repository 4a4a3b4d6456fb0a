"""The scikit-learn shell shared by the skaudio nets: fit builds a skorch net.

``fit`` validates the parameters, encodes the labels, resolves the device,
seeds torch and builds a fresh :class:`skorch.NeuralNetClassifier` into
``net_``. The estimator itself only stores parameters, so ``clone`` and
``get_params`` never see a trained module (skorch#521).

Persistence stores plain data only: ``__getstate__`` drops ``net_`` and keeps
the module's weights as numpy arrays (``module_state_``) and the training
history as a JSON string; ``__setstate__`` rebuilds the net from the
parameters, as ``fit`` does, and loads the weights. No torch or skorch object
is pickled, so ``skops.io`` sees only the estimator, numbers, strings and
arrays.
"""

import json
import warnings
from contextlib import contextmanager
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit
from skorch.exceptions import DeviceWarning
from skorch.history import History

from skaudio._sklearn_compat import Interval, StrOptions, fit_context
from skaudio.augment import BatchAugmenter, check_augment
from skaudio.exceptions import AudioValueError
from skaudio.nets._training import AudioNet, LRSchedule

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


# Sizes a net read from a file may have (fit is not limited). They are checked in
# __setstate__ before any layer is built, and the module's weight shapes are then
# compared, on torch's "meta" device (no memory), with the arrays in the file: a
# tampered file cannot make the loader allocate more than its own weights, nor a
# prediction more than these sizes allow. Raise them only for a file you trust.
MAX_LOADED_WIDTH = 1024  # channels of any layer
MAX_LOADED_LAYERS = 128  # conv blocks, or dilated layers in all
MAX_LOADED_KERNEL = 64  # conv kernel size
MAX_LOADED_SPAN = 2**16  # steps one layer's dilation or stride spans
MAX_LOADED_TAPS = 2**22  # numbers in a filterbank computed from a few weights (Gabor)


def _silent(*args, **kwargs):
    """A picklable sink that swallows skorch's messages when ``verbose=0``."""


def _to_builtin(value):
    """``json.dumps`` fallback for the numpy scalars found in skorch's history."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in the training history")


def resolve_device(device):
    """Turn ``"auto"`` into ``"cuda"`` when CUDA is available, else ``"cpu"``.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in {"cpu", "cuda"}
    True
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return str(device)


class BaseNetClassifier(ClassifierMixin, BaseEstimator):
    """Common training parameters, ``fit``/``predict`` and persistence.

    Subclasses define ``_input_ndim`` (the array rank the module wants,
    channel axis included), ``_augment_kind`` (``"spectrogram"`` or
    ``"waveform"``, see :func:`skaudio.augment.check_augment`),
    ``_module_class`` and ``_module_params()``.
    """

    _input_ndim = None
    _augment_kind = None
    _module_class = None

    _parameter_constraints: dict = {
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"onecycle", "cosine", "constant"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), callable],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left"), None],
        "device": [StrOptions({"auto"}), str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "crop": [Interval(Integral, 1, None, closed="left"), None],
        "crop_hop": [Interval(Integral, 1, None, closed="left"), None],
        "augment": [None, StrOptions({"default"}), dict],
    }

    def _module_params(self):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- input handling -------------------------------------------------
    def _check_X(self, X, reset):
        """Validate X as float32 with a channel axis; check shape against fit."""
        X = check_array(X, allow_nd=True, dtype=np.float32, ensure_min_features=1)
        if X.ndim == self._input_ndim - 1:
            X = X[:, np.newaxis]  # add the missing channel axis
        if X.ndim != self._input_ndim:
            raise AudioValueError(
                f"{type(self).__name__} expects X of shape {self._input_doc}, got an "
                f"array of shape {X.shape}. {self._input_hint}"
            )
        if reset:
            self.input_shape_ = X.shape[1:]
        elif X.shape[1:-1] != self.input_shape_[:-1]:
            raise AudioValueError(
                f"X has shape {X.shape} but {type(self).__name__} was fitted on clips of "
                f"shape {self.input_shape_}; only the last (time) axis may differ."
            )
        return X

    # -- fit --------------------------------------------------------------
    @contextmanager
    def _torch_seed(self, seed):
        """Seed torch inside a forked RNG, leaving the caller's global RNG alone."""
        devices = [torch.device(self.device_)] if self.device_.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices, device_type="cuda"):
            torch.manual_seed(seed)
            yield

    def _make_net(self, n_classes, seed, augmenter=None):
        """A fresh, uninitialised skorch net for the current parameters.

        Used by ``fit`` (with the training ``augmenter``) and by
        ``__setstate__`` (which then loads the weights).
        """
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            optimizer = OPTIMIZERS[optimizer]
        split = None
        if self.validation_fraction:
            split = ValidSplit(self.validation_fraction, stratified=True, random_state=seed)
        callbacks = []
        if self.patience is not None:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss" if split is not None else "train_loss",
                        patience=self.patience,
                        load_best=split is not None,
                        sink=print if self.verbose else _silent,
                    ),
                )
            )
        if self.lr_schedule != "constant":
            callbacks.append(("lr_schedule", LRSchedule(self.lr_schedule, self.lr,
                                                        self.max_epochs)))
        module_params = {f"module__{k}": v for k, v in self._module_params().items()}
        crop_hop = self.crop_hop
        if self.crop is not None and crop_hop is None:
            crop_hop = max(1, self.crop // 2)
        return AudioNet(
            self._module_class,
            module__n_classes=n_classes,
            **module_params,
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=split,
            callbacks=callbacks,
            classes=np.arange(n_classes),
            iterator_train__shuffle=True,
            device=self.device_,
            verbose=self.verbose,
            callbacks__print_log__sink=partial(print, flush=True) if self.verbose else _silent,
            crop=self.crop,
            crop_hop=crop_hop,
            augmenter=augmenter,
        )

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train a fresh network on ``X, y``.

        Parameters
        ----------
        X : array-like
            Clips, see the class docstring for the shape.
        y : array-like of shape (n_clips,)
            Labels of any type (strings included).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = self._check_X(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) != len(X):
            raise AudioValueError(f"X has {len(X)} clips but y has {len(y)} labels.")
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        y_enc = encoder.transform(y).astype(np.int64)
        self.device_ = resolve_device(self.device)
        random_state = check_random_state(self.random_state)
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        augmenter = self._augmenter(X, random_state)
        # seed module init, shuffling and dropout without touching the caller's
        # global torch RNG; crops and augmentation draw from their own Generator.
        with self._torch_seed(seed):
            self.net_ = self._make_net(len(self.classes_), seed, augmenter)
            self.net_.fit(X, y_enc)
        self.n_epochs_ = len(self.net_.history)
        return self

    def _augmenter(self, X, random_state):
        """The training-batch augmenter (crops included), or None when there is none."""
        crop = self.crop if self.crop is not None and self.crop < X.shape[-1] else None
        shape = X.shape[1:-1] + (X.shape[-1] if crop is None else crop,)
        recipe = check_augment(self.augment, kind=self._augment_kind, shape=shape)
        if crop is None and not recipe:
            return None
        rng = np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
        return BatchAugmenter(recipe, rng, crop=crop)

    # -- predict ----------------------------------------------------------
    def predict_proba(self, X):
        """Class probabilities (softmax of the network's logits).

        Parameters
        ----------
        X : array-like
            Clips, with the same shape as in ``fit`` except the time axis.

        Returns
        -------
        proba : ndarray of shape (n_clips, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        proba = self.net_.predict_proba(X).astype(np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class of each clip.

        Parameters
        ----------
        X : array-like
            Clips, with the same shape as in ``fit`` except the time axis.

        Returns
        -------
        y_pred : ndarray of shape (n_clips,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)  # checks fitted before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]

    # -- persistence ------------------------------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: never alter __dict__
        net = state.pop("net_", None)
        if net is not None:
            state["module_state_"] = {
                name: tensor.detach().cpu().numpy()
                for name, tensor in net.module_.state_dict().items()
            }
            state["history_json_"] = json.dumps(list(net.history), default=_to_builtin)
        return state

    def _bound(self, what, value, limit, name):
        if value > limit:
            raise AudioValueError(
                f"{type(self).__name__} loaded with {what} = {value}, more than a loaded net "
                f"may have ({limit}, skaudio.nets._base.{name}): the file was changed, or "
                "raise that limit for a file you trust."
            )

    def _check_loaded_size(self, module_state):
        """Refuse sizes beyond the limits, and weights unlike the parameters' net."""
        name = type(self).__name__
        try:
            self._validate_params()
            shape = tuple(int(n) for n in self.input_shape_)
            n_classes = len(self.classes_)
        except (ValueError, TypeError, AttributeError) as exc:
            raise AudioValueError(
                f"{name} loaded with an invalid parameter or state ({exc}); the file was "
                "damaged or changed."
            ) from None
        if len(shape) != self._input_ndim - 1 or min(shape) < 1:
            raise AudioValueError(f"{name} loaded with input_shape_ = {shape}; the file "
                                  "was damaged or changed.")
        self._bound("in_channels", shape[0], MAX_LOADED_WIDTH, "MAX_LOADED_WIDTH")
        self._check_sizes()
        with torch.device("meta"):  # shapes only: nothing is allocated
            module = self._module_class(n_classes=n_classes, **self._module_params())
        expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
        found = {k: tuple(np.shape(v)) for k, v in module_state.items()}
        if expected != found:
            diff = sorted(set(expected.items()) ^ set(found.items()))[:3]
            raise AudioValueError(
                f"{name}: the weights in the file do not match its parameters (e.g. "
                f"{', '.join(f'{k} {v}' for k, v in diff)}); the file was damaged or "
                "changed."
            )

    def __setstate__(self, state):
        state = dict(state)
        module_state = state.pop("module_state_", None)
        history = state.pop("history_json_", None)
        super().__setstate__(state)
        if module_state is not None:
            self._check_loaded_size(module_state)
        if module_state is None:
            net = self.__dict__.get("net_")
            if net is not None:  # pickled by an older skaudio, skorch net inside
                self.device_ = str(net.device)
            return
        device = resolve_device(self.device_)
        if device.startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(
                f"The net was trained on {device!r} but CUDA is not available; "
                "loading it on the CPU.",
                DeviceWarning,
                stacklevel=2,
            )
            device = "cpu"
        self.device_ = device
        with self._torch_seed(0):  # init weights are overwritten just below
            net = self._make_net(len(self.classes_), seed=None).initialize()
        net.module_.load_state_dict(
            {
                name: torch.from_numpy(np.require(value, requirements=["C", "W"]))
                for name, value in module_state.items()
            }
        )
        net.module_.eval()
        if history is not None:
            net.history = History(json.loads(history))
        self.net_ = net

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = self._input_ndim == 3  # 2-D waveforms only
        tags.input_tags.three_d_array = True
        tags.classifier_tags.poor_score = True
        return tags
