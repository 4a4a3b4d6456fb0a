"""The errors skaudio raises: one root, :class:`SkaudioError`."""

__all__ = ["SkaudioError", "AudioLoadError", "AudioValueError", "InvalidInputError",
           "VotingError"]


class SkaudioError(Exception):
    """Root of every error skaudio raises on purpose.

    Catch this to handle any problem skaudio detected in your audio or
    parameters; messages name the file or value and suggest a remedy.
    """


class AudioLoadError(SkaudioError, OSError):
    """A file could not be read as audio (missing, empty, not audio, truncated)."""


class AudioValueError(SkaudioError, ValueError):
    """Audio samples that cannot be used: empty, too short, non-finite."""


class InvalidInputError(SkaudioError, ValueError):
    """``X`` is not paths, a 2-D array of clips, nor a list of 1-D waveforms."""


class VotingError(SkaudioError, ValueError):
    """A :class:`~skaudio.SegmentVotingClassifier` setting its inner estimator cannot serve.

    For example ``voting="soft"`` (or ``predict_proba``) with an inner
    estimator that has no ``predict_proba``.
    """


class BadClipsWarning(UserWarning):
    """Some clips could not be processed and gave rows of NaN (``on_error="nan"``).

    One warning per ``transform`` call lists them; its ``bad_clips``
    attribute holds them as data, and :func:`skaudio.count_clips` collects
    them over any block of calls.

    Attributes
    ----------
    bad_clips : list of BadClip
        The (index, name, reason) of each clip that gave a row of NaN; the
        index is the clip's row in that call.
    """

    def __init__(self, message, bad_clips=()):
        super().__init__(message)
        self.bad_clips = list(bad_clips)

