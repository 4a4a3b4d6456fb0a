"""scikit-learn's estimator checks over every public skaudio estimator.

Each check that cannot apply to audio is listed in ``AUDIO_EXPECTED_FAILURES``
with the reason; nothing is skipped silently.
"""

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skaudio import (
    AugmentedClassifier,
    LibrosaFeatures,
    MelSpectrogram,
    RawWaveform,
    SegmentVotingClassifier,
)

try:  # the nets are optional: without torch/skorch this file checks the rest
    import skorch  # noqa: F401
    import torch
except ImportError:
    torch = None

# Cheap parameters: a few features, so each check runs in well under a second.
ESTIMATORS = [
    LibrosaFeatures(features=["rms", "spectral_centroid", "mfcc", "tempo"], n_mfcc=4),
    MelSpectrogram(sr=8000, n_fft=64, hop_length=32, n_mels=8),
    RawWaveform(),
    # 2-sample segments at sr=1: the checks' 2-feature blobs are one segment per clip
    SegmentVotingClassifier(LogisticRegression(), segment_duration=2.0, sr=1),
    MelSpectrogram(sr=8000, n_fft=64, hop_length=32, n_mels=8, flatten=True, duration=0.01),
    RawWaveform(normalize="peak"),
    # gain-only copies (the checks' clips are 2-sample blobs at sr=1)
    AugmentedClassifier(LogisticRegression(), gain_db=1.0, snr_db=None, time_shift=None,
                        pitch_shift=None, sr=1, random_state=0),
]
if torch is not None:
    from skaudio.nets import CNNClassifier, WaveNetClassifier

    # Tiny nets, one epoch: a fit takes milliseconds on one thread.
    ESTIMATORS += [
        CNNClassifier(n_blocks=1, channels=2, max_epochs=1, batch_size=64, random_state=0),
        WaveNetClassifier(n_blocks=1, n_layers=2, residual_channels=4, skip_channels=4,
                          max_epochs=1, batch_size=64, random_state=0),
        # CNNClassifier takes 4-D spectrograms only, so scikit-learn skips it above;
        # behind a MelSpectrogram it faces every check on 2-D clips.
        make_pipeline(
            MelSpectrogram(sr=8000, n_fft=64, hop_length=32, n_mels=8, duration=0.01),
            CNNClassifier(n_blocks=1, channels=2, max_epochs=1, batch_size=64, random_state=0),
        ),
    ]

ANY_CLIP_LENGTH = (
    "a transformer fitted on clips of one length transforms clips of any length (a model "
    "fitted on 3 s segments classifies 30 s songs), so transform does not require the "
    "number of samples seen in fit"
)

NO_N_FEATURES_IN = (
    "a net takes clips, not feature vectors: it records input_shape_ instead of "
    "n_features_in_, and its global pooling head accepts any number of samples or frames"
)

PIPELINE_STEPS = (
    "scikit-learn's Pipeline fits the estimators in its steps parameter in place (its "
    "own design; scikit-learn does not run this check on Pipeline either)"
)

AUDIO_EXPECTED_FAILURES = {
    "LibrosaFeatures": {
        "check_n_features_in_after_fitting": ANY_CLIP_LENGTH,
        "check_transformer_general": ANY_CLIP_LENGTH,
    },
    "MelSpectrogram": {
        "check_n_features_in_after_fitting": ANY_CLIP_LENGTH,
        "check_transformer_general": ANY_CLIP_LENGTH,
    },
    "RawWaveform": {
        "check_n_features_in_after_fitting": ANY_CLIP_LENGTH,
        "check_transformer_general": ANY_CLIP_LENGTH,
    },
    "SegmentVotingClassifier": {
        "check_n_features_in_after_fitting": ANY_CLIP_LENGTH,
        "check_classifiers_train": ANY_CLIP_LENGTH,
    },
    "WaveNetClassifier": {
        "check_n_features_in": NO_N_FEATURES_IN,
        "check_n_features_in_after_fitting": NO_N_FEATURES_IN,
        "check_classifiers_train": NO_N_FEATURES_IN,
    },
    # CNNClassifier alone takes 4-D spectrograms only (two_d_array=False): scikit-learn
    # skips it with a SkipTestWarning; the pipeline below checks it.
    "Pipeline(MelSpectrogram, CNNClassifier)": {
        "check_estimators_overwrite_params": PIPELINE_STEPS,
        "check_dont_overwrite_parameters": PIPELINE_STEPS,
        "check_n_features_in_after_fitting": NO_N_FEATURES_IN,
        "check_classifiers_train": NO_N_FEATURES_IN,
    },
}


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny nets on a shared machine: one intra-op thread is ~30x faster."""
    if torch is None:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _name(estimator):
    if isinstance(estimator, Pipeline):
        return f"Pipeline({', '.join(type(step).__name__ for _, step in estimator.steps)})"
    return type(estimator).__name__


def expected_failed_checks(estimator):
    return AUDIO_EXPECTED_FAILURES.get(_name(estimator), {})


# strict: an expected failure that starts passing is reported, not silently kept
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks,
                         xfail_strict=True)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# What scikit-learn says when each listed check fails for the reason given above;
# any other failure of these checks (a real bug) must not hide behind the xfail.
STATED_FAILURE = {
    ANY_CLIP_LENGTH: r"number of features|n_features_in_",
    NO_N_FEATURES_IN: r"number of features|n_features_in_",
    PIPELINE_STEPS: r"parameter steps|steps changed",
}


@pytest.mark.parametrize(
    "estimator", [e for e in ESTIMATORS if expected_failed_checks(e)], ids=_name
)
def test_expected_failures_fail_for_the_stated_reason(estimator):
    from sklearn.utils.estimator_checks import _check_name, estimator_checks_generator

    expected = expected_failed_checks(estimator)
    seen = set()
    for instance, check in estimator_checks_generator(estimator, mark=None):
        name = _check_name(check)
        if name not in expected:
            continue
        seen.add(name)
        if name == "check_n_features_in":  # a bare assert: it sets no n_features_in_
            with pytest.raises(AssertionError):
                check(instance)
            continue
        with pytest.raises(AssertionError, match=STATED_FAILURE[expected[name]]):
            check(instance)
    assert seen == set(expected), set(expected) - seen  # no stale entry


@pytest.mark.parametrize("estimator", [est for est in ESTIMATORS
                                       if type(est).__module__.startswith("skaudio")],
                         ids=lambda est: type(est).__name__)
def test_parameters_are_keyword_only(estimator):
    """Every parameter but a meta-estimator's wrapped estimator is passed by name."""
    import inspect

    params = list(inspect.signature(type(estimator).__init__).parameters.values())[1:]
    positional = [p.name for p in params if p.kind is not p.KEYWORD_ONLY]
    assert positional in ([], ["estimator"])
    with pytest.raises(TypeError):
        type(estimator)(*([LogisticRegression()] if positional else []), 22050)
