"""The open-data dataset of the module: the adopted drafts, as SCDL rows."""

import hashlib
from pathlib import Path

from territoria.redaction.models import ActDraft, DraftState
from territoria.redaction.services.scdl import draft_row, write_csv


def write_adopted_csv(path: Path) -> tuple[int, str] | None:
    drafts = ActDraft.objects.filter(state=DraftState.ADOPTED).select_related("organisation")
    rows = [draft_row(d) for d in drafts.order_by("date", "delib_id")]
    if not rows:
        return None
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(rows, handle)
    return len(rows), hashlib.sha256(path.read_bytes()).hexdigest()
