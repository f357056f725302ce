"""Pages of the register, one module per activity.

pages: reading (list, record, organisation) · contribute: the form and the workflow
actions · moderation: the queue and error reports · history: the audit log.
Reading works without JavaScript; htmx only adds inline validation.
"""

from territoria.registre.views.contribute import (  # noqa: F401
    project_create,
    project_edit,
    project_transition,
    validate_field,
)
from territoria.registre.views.history import journal, project_history  # noqa: F401
from territoria.registre.views.moderation import account, moderation_queue, report_status  # noqa: F401
from territoria.registre.views.pages import organisation_detail, project_detail, project_list  # noqa: F401
from territoria.registre.views.reports import report_error  # noqa: F401
