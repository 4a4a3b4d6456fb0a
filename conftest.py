"""Root pytest configuration: doctests of optional parts need their extras."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("torch") is None or importlib.util.find_spec("skorch") is None:
    collect_ignore.append("skaudio/nets")  # pip install skaudio[torch]
if importlib.util.find_spec("matplotlib") is None:
    collect_ignore.append("skaudio/plotting.py")  # pip install skaudio[plot]
