"""What the job machinery remembers in the database: periodic runs and worker heartbeats.

Kept apart from the domain models of `core.models` (imported there so Django finds them).
"""

from django.db import models


class PeriodicTaskRun(models.Model):
    """The last time each periodic task was claimed by a scheduler, and how its run ended.

    `last_enqueued_at` is the claim: a scheduler enqueues a task only after moving it
    forward with a conditional UPDATE, so two schedulers never enqueue the same run.
    """

    name = models.CharField("tâche", max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField("dernière mise en file", null=True, blank=True)
    last_started_at = models.DateTimeField("dernier démarrage", null=True, blank=True)
    last_finished_at = models.DateTimeField("dernière fin", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)

    class Meta:
        app_label = "core"
        ordering = ["name"]
        verbose_name = "tâche périodique"
        verbose_name_plural = "tâches périodiques"

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A job worker says it is alive: the lease that tells a running job from an orphan."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.IntegerField()
    # When the process started (Linux: from /proc), so a reused pid is not taken for it.
    process_started = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField("démarré le", auto_now_add=True)
    beat_at = models.DateTimeField("dernier signe de vie")

    class Meta:
        app_label = "core"
        ordering = ["-beat_at"]
        verbose_name = "processus de traitement"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}, pid {self.pid})"
