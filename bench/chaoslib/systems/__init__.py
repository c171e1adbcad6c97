"""The business systems bench/chaos and bench/e2e know, one plug-in module each.

A plug-in is `chaoslib/systems/<name>.py` defining `SYSTEM`, an instance of a subclass of
`base.System` (the interface, documented there). Adding a system is one file here: `load`
finds it by name. Plug-ins import nothing outside the standard library at module level
(bench/e2e runs on the system's python3, without pika)."""

import importlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def names():
    """Every system with a plug-in, cleaning first."""
    found = sorted(f[:-3] for f in os.listdir(HERE) if f.endswith(".py") and f not in ("__init__.py", "base.py"))
    return sorted(found, key=lambda n: (n != "cleaning", n))


def load(name):
    if name not in names():
        raise SystemExit(f"no plug-in for system `{name}` in bench/chaoslib/systems (known: {', '.join(names())})")
    return importlib.import_module(f"{__name__}.{name}").SYSTEM
