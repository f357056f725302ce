"""Running a writing job: progress in the database (shown by the job's page), cost measured
like the assistant's answers (traceability.measure: wall time, CPU time → energy estimate)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from territoria.assistant.services.llm import ChatClient
from territoria.assistant.services.traceability import measure
from territoria.redaction.models import JobKind, JobState, WritingJob
from territoria.redaction.services import generation
from territoria.redaction.services.texts import InputError, check_input


def create_job(author, kind: str, text: str, title: str = "", **options) -> WritingJob:
    """Check the input now (a clear message before anything is queued), then queue the job."""
    from territoria.redaction.tasks import run_writing_job

    text = check_input(text)
    job = WritingJob.objects.create(
        author=author,
        organisation=getattr(author, "organisation", None),
        kind=kind,
        title=title[:255],
        source_text=text,
        options=options,
    )
    pk = str(job.pk)
    transaction.on_commit(lambda: run_writing_job.enqueue(pk))
    return job


def _step(job: WritingJob, progress: int, step: str) -> None:
    job.progress, job.step = progress, step
    WritingJob.objects.filter(pk=job.pk).update(progress=progress, step=step, state=job.state)


def run_job(job: WritingJob, llm: ChatClient | None = None) -> WritingJob:
    if job.state in (JobState.DONE, JobState.FAILED):
        return job
    llm = llm if llm is not None else ChatClient.from_settings()
    job.state = JobState.RUNNING
    _step(job, 5, "Lecture du texte")
    try:
        with measure() as cost:
            text = check_input(job.source_text)
            _step(job, 20, "Analyse" if llm is None else "Analyse puis rédaction par le modèle")
            if job.kind == JobKind.MINUTES:
                result, method = generation.run_minutes(text, llm)
            elif job.kind == JobKind.SUMMARY:
                words = int(job.options.get("max_words") or 120)
                result, method = generation.run_summary(
                    text, words, llm, selection=job.options.get("selection")
                )
            else:
                result, method = generation.run_plain(text, llm)
            _step(job, 90, "Vérifications")
        job.result, job.method = result, method
        job.state = JobState.DONE
        job.latency_ms, job.cpu_seconds = cost.latency_ms, round(cost.cpu_s, 4)
        job.energy_wh = cost.energy_wh
    except InputError as error:
        job.state, job.error = JobState.FAILED, str(error)
    except Exception as error:
        job.state, job.error = JobState.FAILED, f"Erreur inattendue : {type(error).__name__}"
        raise
    finally:
        job.progress, job.step = 100, ""
        job.finished_at = timezone.now()
        job.save()
    return job
