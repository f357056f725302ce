"""Who may use the writing tools and read a draft or a job — the rules, in one place."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from territoria.core.roles import has_capability
from territoria.redaction.apps import USE


def can_write(user) -> bool:
    return has_capability(user, USE)


def require_write(user) -> None:
    if not can_write(user):
        raise PermissionDenied("Les outils de rédaction sont réservés aux agents.")


def drafts_for(user):
    """The drafts of the user's organisation (none without the capability or an organisation)."""
    from territoria.redaction.models import ActDraft

    if not can_write(user) or user.organisation_id is None:
        return ActDraft.objects.none()
    return ActDraft.objects.filter(organisation_id=user.organisation_id)


def get_draft(user, pk):
    draft = drafts_for(user).filter(pk=pk).first()
    if draft is None:  # another organisation's draft: as if it did not exist
        raise Http404
    return draft


def get_job(user, pk):
    from territoria.redaction.models import WritingJob

    require_write(user)
    job = WritingJob.objects.filter(pk=pk, author=user).first()
    if job is None:
        raise Http404
    return job
