"""The fitted break-risk models of the renewal page, kept on disk between runs.

The page's job fits the four models of `renewal.members` for 7 split years (the evaluation
year, the plan year and their inner-validation years): about 100 s of CPU since the boosted
models are bagged (`renewal.GBM_BAGS`; 14 s without, same run, docs). Reopening the plan
or replanning with another budget needs the same models, so they are kept per inventory and
per (split year, horizon) under `DATA_DIR/eau/renewal-models/<digest>/`.

The digest covers everything the models read — the pipes (ids, install year, material,
diameter, length, pressure zone, lining, road segment) and the whole break history — plus the
settings that shape them and the source of `renewal.py`: a new break, a changed pipe, another
setting or a new version of the method gives another digest, hence fresh fits. Criticality
and the breaks' coordinates are left out: the models do not read them (the priorities and the
map do, and they are recomputed on each run).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from territoria.eau import renewal

KEEP = 3  # inventories whose models are kept (the others' folders are removed)
MEMBERS = ("rows", "survival", "panel_glm", "panel_gbm10", "panel_gbm5")


def folder() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "eau" / "renewal-models"


def digest(inv: renewal.Inventory) -> str:
    """What the fitted models depend on, as a hex digest."""
    hasher = hashlib.sha256()
    hasher.update(Path(renewal.__file__).read_bytes())
    settings = (
        renewal.GBM_ITERATIONS,
        renewal.PANEL_YEARS,
        renewal.RECENT_YEARS,
        renewal.GBM_BAGS,
    )
    hasher.update(repr(settings).encode())
    for values in (inv.ids, inv.material, inv.zone):
        hasher.update("\x1f".join(map(str, values)).encode())
    for values in (
        inv.installed,
        inv.diameter,
        inv.length,
        inv.lined,
        inv.road,
        inv.break_pipe,
        inv.break_year,
    ):
        array = np.asarray(values if values is not None else [], dtype="float64")
        hasher.update(len(array).to_bytes(8, "little") + array.tobytes())
    return hasher.hexdigest()[:32]


class FittedModels:
    """A mapping (year, horizon) → `renewal.members` result, read from and written to disk;
    `renewal.members` uses it as its `cache`. `fitted` and `reused` count this run's misses
    and hits (written in the job's result)."""

    def __init__(self, inv: renewal.Inventory, root: Path | None = None):
        self.root = root or folder()
        self.path = self.root / digest(inv)
        self.memory: dict = {}
        self.fitted = 0
        self.reused = 0

    def _file(self, key) -> Path:
        year, horizon = key
        return self.path / f"{int(year)}-{int(horizon)}.npz"

    def _load(self, key) -> dict | None:
        try:
            with np.load(self._file(key)) as stored:
                return {name: stored[name] for name in MEMBERS}
        except (OSError, KeyError, ValueError):  # absent, or damaged: fitted again
            return None

    def __contains__(self, key) -> bool:
        if key in self.memory:
            return True
        found = self._load(key)
        if found is None:
            return False
        self.memory[key] = found
        self.reused += 1
        return True

    def __getitem__(self, key) -> dict:
        if key not in self:
            raise KeyError(key)
        return self.memory[key]

    def __setitem__(self, key, value: dict) -> None:
        self.memory[key] = value
        self.fitted += 1
        if not self.path.exists():
            self.path.mkdir(parents=True)
            self._prune()
        # Written whole under a temporary name, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=self.path, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, **{name: value[name] for name in MEMBERS})
            os.replace(temporary, self._file(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _prune(self) -> None:
        """Keep the KEEP most recently created inventories' models (this one included)."""
        others = sorted(
            (p for p in self.root.iterdir() if p.is_dir() and p != self.path),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for stale in others[KEEP - 1 :]:
            shutil.rmtree(stale, ignore_errors=True)
