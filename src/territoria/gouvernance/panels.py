"""The governance panel lent to a register record's page (core/modules.py, RecordPanel).

It shows only the public summary (`stats.record_summary`: nothing restricted in it), so any
reader of the record may read it; the details stay on the governance page."""

from territoria.gouvernance import stats
from territoria.gouvernance.permissions import get_abilities


def record_panel(request, project) -> dict:
    return {
        "project": project,
        "summary": stats.record_summary(project),
        "abilities": get_abilities(request.user, project),
    }
