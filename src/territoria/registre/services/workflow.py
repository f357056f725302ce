"""The contribution workflow: draft → submitted → published → archived.

All transitions and saves go through these functions so that the pages and the API share the
same rules: who may do what (permissions.get_abilities), the update date set by the platform,
optimistic concurrency, and who is told.

A published record is never changed by an edit: the edit becomes its pending revision
(`ProjectRevision`, beside the public version), which follows the same steps — submitted,
then published (accepted: its values become the record's) or sent back with a reason.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from territoria.registre import schema
from territoria.registre.models import Project, ProjectRevision
from territoria.registre.permissions import get_abilities
from territoria.registre.services import notifications
from territoria.registre.visibility import raw_value
from territoria.registre.vocabulary import Lifecycle


class ConcurrentEditError(Exception):
    """Someone saved the project since this user opened it; their save is refused."""

    def __init__(self, project: Project, expected_version: int):
        self.project = project
        self.expected_version = expected_version
        super().__init__(
            "Ce projet a été modifié par une autre personne depuis que vous l'avez ouvert "
            f"(version {project.version}, vous éditiez la version {expected_version}). "
            "Votre saisie n'a pas été enregistrée : rechargez la page pour voir la version "
            "actuelle, puis reportez vos modifications."
        )


def missing_required_fields(project: Project) -> list[str]:
    """Titles of the required fields a contribution still lacks (checked before submission)."""
    missing = []
    for spec in schema.FIELDS:
        if not spec.required or spec.name == "date":
            continue
        value = raw_value(project, spec)
        if value in (None, "", []):
            missing.append(spec.title)
    return missing


def _require(user, project: Project, ability: str) -> None:
    if not get_abilities(user, project)[ability]:
        raise PermissionDenied("Vous n'avez pas le droit d'effectuer cette action sur ce projet.")


@transaction.atomic
def save_project(project: Project, user, *, expected_version: int | None = None) -> Project:
    """Save a new or edited project, refusing a stale version (two people editing at once)."""
    if project._state.adding:
        project.created_by = project.created_by or (
            user if getattr(user, "is_authenticated", False) else None
        )
        if not get_abilities(user, project)["edit"]:
            raise PermissionDenied(
                "Vous ne pouvez documenter que les projets de votre organisation."
            )
    else:
        current = Project.objects.select_for_update().get(pk=project.pk)
        _require(user, current, "edit")
        if expected_version is not None and current.version != expected_version:
            raise ConcurrentEditError(current, expected_version)
        if current.lifecycle == Lifecycle.PUBLISHED:
            return _save_revision(current, project, user)
        project.version = current.version + 1
    project.full_clean()
    project.content_updated_on = timezone.localdate()
    project.save()
    return project


def working_copy(project: Project) -> Project:
    """The record as its editors work on it: with its pending revision's values, if any.

    Only for editing forms and API writes; never save it (save_project does the right thing)."""
    revision = ProjectRevision.objects.filter(project=project).first()
    return revision.apply_to(project) if revision else project


def _save_revision(current: Project, edited: Project, user) -> Project:
    """An edit of a published record: stored as its pending revision, the record unchanged.

    Returns the record as published (its version increased, so that concurrent editors of the
    revision are told as for any record)."""
    edited.full_clean()  # same checks as a direct save: the revision must be publishable as is
    revision = ProjectRevision.objects.select_for_update().filter(project=current).first()
    revision = revision or ProjectRevision(
        project=current, created_by=user if getattr(user, "is_authenticated", False) else None
    )
    revision.values = ProjectRevision.values_of(edited)
    if revision.changed_attrs(current):
        revision.save()
    elif revision.pk:  # edited back to the published values: nothing left to review
        revision.delete()
    current.version += 1
    # Only the concurrency counter (not audited, and not a change of the public record).
    current.save(update_fields=["version"])
    return current


def _pending_revision(project: Project) -> ProjectRevision | None:
    if project.lifecycle != Lifecycle.PUBLISHED:
        return None
    return ProjectRevision.objects.select_for_update().filter(project=project).first()


@transaction.atomic
def submit(project: Project, user) -> Project:
    _require(user, project, "submit")
    revision = _pending_revision(project)
    if revision is not None:
        return _submit_revision(project, revision)
    missing = missing_required_fields(project)
    if missing:
        raise ValidationError(
            "Avant de soumettre, complétez les champs obligatoires : " + ", ".join(missing) + "."
        )
    project.lifecycle = Lifecycle.SUBMITTED
    project.moderation_note = ""
    project.save()
    transaction.on_commit(lambda: notifications.submitted(project))
    return project


def _submit_revision(project: Project, revision: ProjectRevision) -> Project:
    missing = missing_required_fields(revision.apply_to(Project(organisation=project.organisation)))
    if missing:
        raise ValidationError(
            "Avant de soumettre, complétez les champs obligatoires : " + ", ".join(missing) + "."
        )
    revision.state = ProjectRevision.State.SUBMITTED
    revision.moderation_note = ""
    revision.save()
    transaction.on_commit(lambda: notifications.submitted(project))
    return project


@transaction.atomic
def publish(project: Project, moderator) -> Project:
    _require(moderator, project, "publish")
    revision = _pending_revision(project)
    if revision is not None:
        return _accept_revision(project, revision)
    now = timezone.now()
    project.lifecycle = Lifecycle.PUBLISHED
    project.published_at = project.published_at or now
    project.last_reviewed_at = now
    project.moderation_note = ""
    project.save()
    transaction.on_commit(lambda: notifications.published(project))
    return project


def _accept_revision(project: Project, revision: ProjectRevision) -> Project:
    """The revision's values become the record's: one audited change, signed by the moderator."""
    revision.apply_to(project)
    project.full_clean()
    now = timezone.now()
    project.version += 1
    project.content_updated_on = timezone.localdate()
    project.last_reviewed_at = now
    project.moderation_note = ""
    project.save()
    revision.delete()
    transaction.on_commit(lambda: notifications.published(project))
    return project


@transaction.atomic
def send_back(project: Project, moderator, reason: str) -> Project:
    _require(moderator, project, "send_back")
    if not (reason or "").strip():
        raise ValidationError("Indiquez le motif du renvoi : il sera transmis au contributeur.")
    revision = _pending_revision(project)
    if revision is not None:  # the record stays published; its revision goes back to its authors
        revision.state = ProjectRevision.State.DRAFT
        revision.moderation_note = reason.strip()
        revision.save()
        transaction.on_commit(lambda: notifications.sent_back(project, reason))
        return project
    project.lifecycle = Lifecycle.DRAFT
    project.moderation_note = reason.strip()
    project.save()
    transaction.on_commit(lambda: notifications.sent_back(project, reason))
    return project


@transaction.atomic
def archive(project: Project, moderator) -> Project:
    _require(moderator, project, "archive")
    project.lifecycle = Lifecycle.ARCHIVED
    project.save()
    # A withdrawn record has nothing left to review: its pending changes go with it.
    ProjectRevision.objects.filter(project=project).delete()
    return project


def mark_reviewed(project: Project, moderator) -> Project:
    """A moderator confirms a published record is still accurate."""
    _require(moderator, project, "archive")
    project.last_reviewed_at = timezone.now()
    project.review_reminder_sent_at = None
    project.save()
    return project


def remind_overdue_reviews(now=None) -> int:
    """Flag records not reviewed for too long and remind their owners (once per period)."""
    now = now or timezone.now()
    count = 0
    for project in Project.objects.review_overdue(now).select_related("organisation"):
        if (
            project.review_reminder_sent_at
            and project.review_reminder_sent_at > project.last_reviewed_at
        ):
            continue
        notifications.review_due(project)
        project.review_reminder_sent_at = now
        project.save(update_fields=["review_reminder_sent_at"])
        count += 1
    return count
