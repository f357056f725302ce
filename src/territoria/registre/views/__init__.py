"""Pages of the register, one module per activity.

pages: reading (list, record, organisation) · contribute: the form and the workflow
actions · moderation: the queue and error reports · history: the audit log · reports:
error reports · discovery: search, map, dashboard, similar projects · exports: downloads
and the Table Schema · feeds: Atom and RSS · imports: the moderators' import pages.
The REST API (CRUD and discovery) is in `registre/api/`.
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
from territoria.registre.views.organisations import (  # noqa: F401
    organisation_create,
    organisation_edit,
)
from territoria.registre.views.pages import (  # noqa: F401
    organisation_detail,
    organisation_list,
    project_detail,
    project_list,
)
from territoria.registre.views.reports import report_error  # noqa: F401
