"""The audit log: every change of an audited model is written with who, when and what.

Models inherit `AuditedModel`; the acting person comes from a context variable that the
web middleware, the API and the CLI set (`acting_as`). Diffs are computed on save from the
values loaded from the database, so every route (pages, API, admin, imports) is covered.

The write paths that skip `save()` are covered too: `QuerySet.update()` and `bulk_update()`
(through `AuditedQuerySet.update`, one entry per changed row), `bulk_create()`, and deletions
of every kind — one object, a queryset, the admin's bulk action, a cascade — through a
`pre_delete` receiver connected to each audited model (`connect_delete_receivers`).
"""

import contextlib
import contextvars
import copy
import datetime
import decimal
import uuid

from django.db import models, transaction
from django.db.models.signals import pre_delete

_current_actor: contextvars.ContextVar = contextvars.ContextVar("territoria_actor", default=None)
_current_label: contextvars.ContextVar = contextvars.ContextVar(
    "territoria_actor_label", default=""
)


@contextlib.contextmanager
def acting_as(user=None, label: str = ""):
    """Sign the changes made inside the block with `user` (or a label, e.g. 'import data.csv')."""
    user_token = _current_actor.set(user if getattr(user, "is_authenticated", False) else None)
    label_token = _current_label.set(label)
    try:
        yield
    finally:
        _current_actor.reset(user_token)
        _current_label.reset(label_token)


def current_actor():
    return _current_actor.get()


def _json_safe(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return value


def _audited_fields(instance) -> list[models.Field]:
    skip = set(getattr(instance, "audit_exclude", ())) | {"created_at", "updated_at"}
    return [f for f in instance._meta.concrete_fields if f.name not in skip]


def snapshot(instance) -> dict:
    return {f.attname: _json_safe(f.value_from_object(instance)) for f in _audited_fields(instance)}


def diff(before: dict, after: dict) -> dict:
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }


def write_entry(instance, action: str, changes: dict) -> None:
    """One AuditLog row signed by the current actor (or label, or « système »)."""
    from territoria.core.models import AuditLog

    actor = _current_actor.get()
    label = _current_label.get() or (actor.get_username() if actor else "système")
    AuditLog.objects.create(
        actor=actor,
        actor_label=label,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes,
    )


class AuditedQuerySet(models.QuerySet):
    """Bulk writes that leave the same trace as `save()` does."""

    def update(self, **kwargs):
        fields = [f for f in _audited_fields(self.model) if f.name in kwargs or f.attname in kwargs]
        if not fields:
            return super().update(**kwargs)
        names = [f.attname for f in fields]
        with transaction.atomic(using=self.db):
            # Lock the rows (PostgreSQL) so that "before" is what the update overwrites.
            rows = self.select_for_update(of=("self",)) if self._can_lock() else self
            before = {row["pk"]: row for row in rows.values("pk", *names)}
            count = super().update(**kwargs)
            changed = self.model._base_manager.using(self.db).filter(pk__in=list(before))
            for instance in changed:
                changes = diff(
                    {name: _json_safe(value) for name, value in before[instance.pk].items()},
                    {name: _json_safe(getattr(instance, name)) for name in names},
                )
                if changes:
                    write_entry(instance, "update", changes)
        return count

    update.alters_data = True

    def _can_lock(self) -> bool:
        from django.db import connections

        return connections[self.db].features.has_select_for_update_of

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            # Which rows were written is unknown afterwards: the log could not be told.
            raise ValueError(
                f"{self.model._meta.label}: bulk_create avec gestion des conflits refusé "
                "sur un modèle journalisé ; enregistrez les objets un par un."
            )
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            for instance in created:
                if instance.pk is not None:
                    write_entry(instance, "create", diff({}, snapshot(instance)))
        return created

    bulk_create.alters_data = True


def _write_delete_entry(sender, instance, **kwargs):
    write_entry(instance, "delete", diff(snapshot(instance), {}))


def connect_delete_receivers(models_to_audit) -> None:
    """Every deletion of an audited model — instance, queryset, admin action, cascade — is
    written: Django's deletion collector sends `pre_delete` for each object it removes."""
    for model in models_to_audit:
        if issubclass(model, AuditedModel) and not model._meta.abstract:
            pre_delete.connect(
                _write_delete_entry, sender=model, dispatch_uid=f"audit-{model._meta.label}"
            )


class AuditedModel(models.Model):
    """Mixin: writes an AuditLog entry for each create, update and delete."""

    audit_exclude: tuple[str, ...] = ()

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Most loads are for reading (list pages, API): keep the loaded values (copies of the
        # mutable ones) and build the snapshot only if the instance is saved.
        instance._audit_values = {
            name: copy.deepcopy(value) if isinstance(value, (list, dict)) else value
            for name, value in zip(field_names, values)
        }
        return instance

    def _audit_before(self) -> dict | None:
        if not hasattr(self, "_audit_loaded") and hasattr(self, "_audit_values"):
            loaded = self._audit_values
            fields = _audited_fields(self)
            before = {
                f.attname: _json_safe(loaded[f.attname]) for f in fields if f.attname in loaded
            }
            deferred = [f.attname for f in fields if f.attname not in loaded]
            if deferred:  # loaded with .only()/.defer(): their old values are still in the database
                stored = (
                    type(self)
                    ._base_manager.using(self._state.db)
                    .filter(pk=self.pk)
                    .values(*deferred)
                    .first()
                )
                before.update({name: _json_safe(value) for name, value in (stored or {}).items()})
            self._audit_loaded = before
        return getattr(self, "_audit_loaded", None)

    def save(self, *args, **kwargs):
        before = self._audit_before()
        super().save(*args, **kwargs)
        after = snapshot(self)
        if before is None:
            write_entry(self, "create", diff({}, after))
        else:
            changes = diff(before, after)
            if changes:
                write_entry(self, "update", changes)
        self._audit_loaded = after
