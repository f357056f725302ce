"""Periodic tasks that apps declare through their AppConfig (`periodic_tasks`).

The scheduler that runs them lives here too (see docs/architecture.md); an app only
declares what should run and how often.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class PeriodicTask:
    name: str  # stable identifier, used to remember when it last ran
    func: str  # dotted path of a callable taking no argument
    every: timedelta
