"""An earlier `controllers.py` (a file written by `git show REV:src/territoria/mobilite/signals/
controllers.py > benchmarks/PREV_x.py`), loaded as a module of its own so that a benchmark
compares it with the current one in the same run."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def load_controllers(path: str) -> ModuleType:
    """The controllers module of the file `path` (the current one imported first: the code
    that reads `territoria.mobilite.signals.controllers` through the package finds it)."""
    import territoria.mobilite.signals.controllers  # noqa: F401 - the package attribute

    spec = importlib.util.spec_from_file_location("territoria_previous_controllers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def use_controllers(path: str) -> ModuleType:
    """`load_controllers`, put in place of the current module for the code that reads it
    through the package (`evaluate.run_one`): to call in a fresh process, one per run."""
    import territoria.mobilite.signals as pkg

    module = load_controllers(path)
    pkg.controllers = module
    return module
