"""The musical recipe of the synthetic genres used by :func:`make_genres`.

Pure data: per-genre parameter ranges, rhythm patterns and chord
progressions. :mod:`skaudio.datasets._generate` turns them into audio.
"""

# Chord qualities as semitone offsets from the chord root.
CHORDS = {
    "maj": (0, 4, 7, 12),
    "min": (0, 3, 7, 12),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "dom7": (0, 4, 7, 10),
    "pow": (0, 7, 12, 19),
    "sus2": (0, 2, 7, 12),
}

# Progressions: (root offset from the key in semitones, quality) per chord.
PROGRESSIONS = {
    "pop": ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),
    "pop-minor": ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),
    "ii-V-I": ((2, "min7"), (7, "dom7"), (0, "maj7"), (0, "maj7")),
    "minor-ii-V-i": ((2, "min7"), (7, "dom7"), (0, "min7"), (0, "min7")),
    "cadence": ((0, "maj"), (5, "maj"), (7, "dom7"), (0, "maj")),
    "minor-cadence": ((0, "min"), (5, "min"), (7, "maj"), (0, "min")),
    "power": ((0, "pow"), (5, "pow"), (7, "pow"), (5, "pow")),
    "power-minor": ((0, "pow"), (10, "pow"), (8, "pow"), (10, "pow")),
    "drone": ((0, "min7"), (0, "min7"), (0, "min7"), (8, "sus2")),
    "floating": ((0, "maj7"), (5, "maj7"), (0, "maj7"), (9, "min7")),
}

# 16-step (one 4/4 bar of sixteenth notes) onset probabilities.
_Z = (0.0,) * 16
DRUMS = {
    "none": {"kick": _Z, "snare": _Z, "hat": _Z},
    "sparse": {
        "kick": (0.4,) + (0.0,) * 15,
        "snare": _Z,
        "hat": (0.0,) * 8 + (0.3,) + (0.0,) * 7,
    },
    "rock": {
        "kick": (1, 0, 0, 0, 0, 0, 0.3, 0, 1, 0, 0.6, 0, 0, 0, 0, 0),
        "snare": (0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0.2),
        "hat": (0.95, 0, 0.95, 0) * 4,
    },
    "four": {
        "kick": (1, 0, 0, 0) * 4,
        "snare": (0, 0, 0, 0, 0.9, 0, 0, 0, 0, 0, 0, 0, 0.9, 0, 0, 0),
        "hat": (0, 0, 1, 0) * 4,
    },
    "swing": {
        "kick": (0.5, 0, 0, 0, 0, 0, 0, 0, 0.2, 0, 0, 0, 0, 0, 0, 0),
        "snare": (0, 0, 0, 0.2, 0, 0, 0.25, 0, 0, 0, 0, 0.3, 0, 0, 0.2, 0),
        "hat": (1, 0, 0, 0, 1, 0, 0.9, 0, 1, 0, 0, 0, 1, 0, 0.9, 0),
    },
    "pop": {
        "kick": (1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0),
        "snare": (0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0),
        "hat": (0.7,) * 16,
    },
}

# How the chords are played: a 16-step onset pattern (None: once per chord)
# and whether the chord is spread as an arpeggio (one note per onset).
STYLES = {
    "pad": (None, False),
    "arpeggio": ((1, 0) * 8, True),
    "comp": ((1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0), False),
    "strum8": ((1, 0) * 8, False),
    "strum4": ((1, 0, 0, 0) * 4, False),
    "stab": ((0, 0, 1, 0) * 4, False),
}

# Continuous parameters: (low, high) per genre.  tempo in BPM, bright is the
# exponent of the harmonic roll-off (higher is duller), attack/decay in
# seconds, levels relative to the harmony, snr_db of the added noise,
# drive in [0, 1] (distortion), loud_db the clip's RMS in dBFS, register the
# MIDI note of the lowest chord root, swing in sixteenth-note steps.
CONTINUOUS = (
    "tempo", "bright", "n_harm", "even", "attack", "decay", "drum_lvl",
    "bass_lvl", "snr_db", "drive", "loud_db", "register", "swing",
)

GENRES = {
    "rock": dict(
        tempo=(100, 145), bright=(0.7, 1.2), n_harm=(12, 20), even=(0.7, 1.0),
        attack=(0.002, 0.01), decay=(0.2, 0.5), drum_lvl=(0.7, 1.0),
        bass_lvl=(0.5, 0.8), snr_db=(22, 30), drive=(0.55, 0.9),
        loud_db=(-16, -11), register=(40, 50), swing=(0.0, 0.0),
        drums=("rock",), styles=("strum8",), progressions=("power", "power-minor"),
        beats_per_chord=(4, 8),
    ),
    "jazz": dict(
        tempo=(110, 170), bright=(1.4, 2.1), n_harm=(6, 12), even=(0.3, 0.8),
        attack=(0.005, 0.03), decay=(0.3, 0.8), drum_lvl=(0.3, 0.6),
        bass_lvl=(0.6, 0.9), snr_db=(22, 30), drive=(0.0, 0.1),
        loud_db=(-24, -17), register=(50, 60), swing=(0.45, 0.7),
        drums=("swing",), styles=("comp",), progressions=("ii-V-I", "minor-ii-V-i"),
        beats_per_chord=(2, 4),
    ),
    "classical": dict(
        tempo=(70, 110), bright=(1.2, 1.9), n_harm=(6, 12), even=(0.5, 1.0),
        attack=(0.01, 0.04), decay=(0.4, 1.2), drum_lvl=(0.0, 0.0),
        bass_lvl=(0.3, 0.6), snr_db=(28, 36), drive=(0.0, 0.05),
        loud_db=(-27, -19), register=(58, 70), swing=(0.0, 0.0),
        drums=("none",), styles=("arpeggio",),
        progressions=("cadence", "minor-cadence"), beats_per_chord=(4, 4),
    ),
    "techno": dict(
        tempo=(122, 136), bright=(0.8, 1.5), n_harm=(8, 16), even=(0.1, 0.5),
        attack=(0.001, 0.008), decay=(0.05, 0.2), drum_lvl=(1.0, 1.4),
        bass_lvl=(0.8, 1.1), snr_db=(26, 34), drive=(0.1, 0.4),
        loud_db=(-14, -9), register=(48, 58), swing=(0.0, 0.1),
        drums=("four",), styles=("stab",), progressions=("drone",),
        beats_per_chord=(8, 16),
    ),
    "ambient": dict(
        tempo=(60, 85), bright=(1.8, 2.6), n_harm=(4, 8), even=(0.6, 1.0),
        attack=(0.3, 0.9), decay=(2.0, 5.0), drum_lvl=(0.0, 0.1),
        bass_lvl=(0.2, 0.5), snr_db=(16, 26), drive=(0.0, 0.1),
        loud_db=(-28, -20), register=(55, 67), swing=(0.0, 0.0),
        drums=("sparse",), styles=("pad",), progressions=("floating", "drone"),
        beats_per_chord=(8, 8),
    ),
    "noise-pop": dict(
        tempo=(85, 125), bright=(0.6, 1.1), n_harm=(12, 20), even=(0.6, 1.0),
        attack=(0.005, 0.05), decay=(0.6, 1.5), drum_lvl=(0.5, 0.8),
        bass_lvl=(0.4, 0.7), snr_db=(2, 9), drive=(0.6, 1.0),
        loud_db=(-14, -9), register=(52, 62), swing=(0.0, 0.0),
        drums=("pop",), styles=("strum4",), progressions=("pop", "pop-minor"),
        beats_per_chord=(4, 4),
    ),
}

GENRE_NAMES = tuple(GENRES)
