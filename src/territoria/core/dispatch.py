"""One on-commit dispatcher: work that follows a change runs once per transaction.

Saving 12 000 projects in one import (or deleting them) must queue ONE refresh of what
depends on them, not 12 000. `on_commit_once(key, func)` registers `func` to run after the
current transaction commits unless a callback with the same key is already registered and
will run whenever this one would. Outside a transaction it runs at once (Django's rule).

Why "whenever this one would": a callback registered inside a savepoint is dropped if that
savepoint rolls back. It can stand for a later request only if the later request is inside
that same savepoint (or deeper); otherwise a rolled-back savepoint would take away work that
the outer transaction still needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable

from django.db import DEFAULT_DB_ALIAS, transaction

logger = logging.getLogger(__name__)


class _Once:
    """A callback carrying its de-duplication key (Django stores the bare callable)."""

    def __init__(self, key: Hashable, func: Callable[[], None]):
        self.key = key
        self.func = func
        self.ran = False  # a callback that ran already cannot stand for a later change

    def __call__(self) -> None:
        self.ran = True
        try:
            self.func()
        except Exception:  # the change is committed: follow-up work must not turn it into a 500
            logger.exception("on-commit work %r failed", self.key)


def on_commit_once(key: Hashable, func: Callable[[], None], using: str = DEFAULT_DB_ALIAS) -> bool:
    """Run `func` after the commit, once per transaction and key; True when it was registered."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        current = set(connection.savepoint_ids)
        for savepoints, callback, *_robust in connection.run_on_commit:
            if (
                isinstance(callback, _Once)
                and callback.key == key
                and not callback.ran
                and savepoints <= current
            ):
                return False
    transaction.on_commit(_Once(key, func), using=using)
    return True
