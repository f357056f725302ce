"""Ideation sessions become objects with participants; the old free-text label of an idea
becomes a session of the idea's organisation (one per label), its authors its participants."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def labels_to_sessions(apps, schema_editor):
    Idea = apps.get_model("catalogue", "Idea")
    IdeationSession = apps.get_model("catalogue", "IdeationSession")
    sessions, people = {}, set()
    for idea in Idea.objects.exclude(session_label="").order_by("created_at"):
        key = (idea.organisation_id, idea.session_label)
        if key not in sessions:
            sessions[key] = IdeationSession.objects.create(
                organisation_id=idea.organisation_id,
                title=idea.session_label,
                date=idea.created_at.date(),
                facilitator_id=idea.author_id,
            )
        session = sessions[key]
        idea.session = session
        idea.save(update_fields=["session"])
        if idea.author_id and (session.pk, idea.author_id) not in people:
            people.add((session.pk, idea.author_id))
            session.participants.add(idea.author_id)


def sessions_to_labels(apps, schema_editor):
    Idea = apps.get_model("catalogue", "Idea")
    for idea in Idea.objects.exclude(session=None).select_related("session"):
        idea.session_label = idea.session.title[:200]
        idea.save(update_fields=["session_label"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0003_record_replication"),
        ("core", "0005_periodic_runs_and_worker_heartbeats"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IdeationSession",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créé le")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="mis à jour le")),
                ("title", models.CharField(max_length=200, verbose_name="titre")),
                ("date", models.DateField(verbose_name="date")),
                (
                    "description",
                    models.TextField(blank=True, verbose_name="objet de la session"),
                ),
                (
                    "open",
                    models.BooleanField(
                        default=True, verbose_name="ouverte aux idées et aux votes"
                    ),
                ),
                (
                    "facilitator",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="animateur ou animatrice",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.organisation",
                        verbose_name="organisée par",
                    ),
                ),
                (
                    "participants",
                    models.ManyToManyField(
                        blank=True, related_name="catalogue_sessions", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "session d'idéation",
                "ordering": ["-date", "title"],
            },
        ),
        migrations.RenameField(model_name="idea", old_name="session", new_name="session_label"),
        migrations.AddField(
            model_name="idea",
            name="session",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ideas",
                to="catalogue.ideationsession",
                verbose_name="session d'idéation",
            ),
        ),
        migrations.RunPython(labels_to_sessions, sessions_to_labels),
        migrations.RemoveField(model_name="idea", name="session_label"),
    ]
