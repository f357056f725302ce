"""What the pages, the CLI and the jobs share: importing the data sets, running a job with
its progress, evaluating a declared action."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from territoria.culture import evaluation, museums, network, territory, ticketing, transit
from territoria.culture.errors import ImportProblem
from territoria.culture.models import Action, CultureJob

logger = logging.getLogger(__name__)

# The files of the shared folder (…/data/culture, see its SOURCE.md) and what reads them.
MUSEOFILE = "musees-de-france-base-museofile.csv"
ATTENDANCE = "frequentation-des-musees-de-france.csv"
KINDS = {
    "communes": ("Contours des communes (GeoJSON)", territory.import_communes),
    "iris": (
        "Contours des IRIS (GeoJSON WGS 84 : CODE_IRIS, NOM_IRIS, INSEE_COM)",
        territory.import_iris,
    ),
    "reseau": (
        "Réseau routier : extrait OpenStreetMap (.osm.pbf) du territoire",
        network.import_network,
    ),
    "gtfs": (
        "Horaires de transport en commun : flux GTFS (.zip)",
        transit.import_gtfs,
    ),
    "museofile": ("Musées de France, base Muséofile (CSV)", museums.import_museofile),
    "frequentation": ("Fréquentation des musées de France (CSV)", museums.import_attendance),
    "indicateurs": (
        "Indicateurs sociaux (CSV code;indicateur;annee;valeur;source)",
        territory.import_indicators,
    ),
    "billetterie": (
        "Billetterie / entrées d'un lieu par mois ou par jour (CSV lieu;date;categorie;entrees)",
        ticketing.import_ticketing,
    ),
}


def shared_culture_dir() -> Path:
    base = os.environ.get("TERRITORIA_SHARED_DATA")
    root = Path(base) if base else Path(__file__).resolve().parents[4] / "shared" / "data"
    return root / "culture"


def import_folder(folder: Path, progress: Callable[[float, str], None] | None = None) -> dict:
    """Import every file of the shared culture folder: communes (each département's GeoJSON),
    Muséofile, then the attendance file (linked to Muséofile)."""
    report = progress or (lambda share, message: None)
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportProblem(f"dossier {folder} absent", "import")
    outlines = sorted(folder.glob("communes-*.geojson"))
    results = {}
    steps = len(outlines) + 2
    for number, path in enumerate(outlines):
        report(number / steps, f"Communes : {path.name}")
        results[path.name] = territory.import_communes(path).as_dict()
    report(len(outlines) / steps, "Musées (Muséofile)")
    results[MUSEOFILE] = museums.import_museofile(folder / MUSEOFILE)
    report((len(outlines) + 1) / steps, "Fréquentation des musées")
    results[ATTENDANCE] = museums.import_attendance(folder / ATTENDANCE)
    report(1.0, "Terminé")
    return results


def job_progress(job: CultureJob) -> Callable[[float, str], None]:
    def update(share: float, message: str) -> None:
        # An UPDATE outside any import transaction, so that the page sees it at once.
        CultureJob.objects.filter(pk=job.pk).update(progress=round(share, 3), message=message[:300])

    return update


def run_job(job: CultureJob) -> CultureJob:
    """Run a queued job (import or evaluation); its report says what happened, in French."""
    job.status = CultureJob.Status.RUNNING
    job.save(update_fields=["status", "updated_at"])
    progress = job_progress(job)
    try:
        if job.kind == "import-dossier":
            job.report = {
                "ok": True,
                "résultats": import_folder(Path(job.parameters["folder"]), progress),
            }
        elif job.kind == "import-fichier":
            job.report = {"ok": True, "résultats": import_upload(job, progress)}
        elif job.kind == "evaluation":
            run_evaluation(Action.objects.get(pk=job.parameters["action"]), progress)
            job.report = {"ok": True}
        else:
            raise ValueError(f"unknown job kind {job.kind}")
        job.status = CultureJob.Status.DONE
    except (ImportProblem, evaluation.EvaluationError) as problem:
        job.report = {
            "ok": False,
            "erreur": str(problem),
            "problèmes": getattr(problem, "problems", []),
        }
        job.status = CultureJob.Status.FAILED
    except Exception:
        logger.exception("culture job %s crashed", job.pk)
        job.report = {"ok": False, "erreur": "Erreur interne : rien n'a été écrit."}
        job.status = CultureJob.Status.FAILED
    finally:
        job.progress = 1.0
        job.finished_at = timezone.now()
        job.save(update_fields=["report", "status", "progress", "finished_at", "updated_at"])
    return job


def import_upload(job: CultureJob, progress) -> dict:
    from django.core.files.storage import default_storage

    kind = job.parameters["kind"]
    name = job.parameters["name"]
    path = job.parameters["path"]
    progress(0.1, f"Lecture de {name}")
    try:
        with default_storage.open(path, "rb") as handle:
            reader = KINDS[kind][1]
            result = reader(handle, name=name)
    finally:
        if default_storage.exists(path):
            default_storage.delete(path)
    return result.as_dict() if hasattr(result, "as_dict") else result


def run_evaluation(action: Action, progress=None) -> Action:
    Action.objects.filter(pk=action.pk).update(status=Action.Status.RUNNING, progress=0.0)

    def report(share: float, message: str) -> None:
        Action.objects.filter(pk=action.pk).update(progress=round(share, 3))
        if progress:
            progress(share, message)

    try:
        action.result = evaluation.evaluate(
            action.treated_refs,
            action.first_year,
            action.start_year,
            action.last_year,
            progress=report,
        )
        action.status = Action.Status.DONE
    except evaluation.EvaluationError as problem:
        action.result = {"error": str(problem)}
        action.status = Action.Status.FAILED
        raise
    finally:
        action.progress = 1.0
        action.save(update_fields=["result", "status", "progress", "updated_at"])
    return action


def queue(kind: str, title: str, parameters: dict, user=None) -> CultureJob:
    from territoria.culture.tasks import run_culture_job

    job = CultureJob.objects.create(
        kind=kind, title=title, parameters=parameters, requested_by=user
    )
    run_culture_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


def visible_actions(user):
    from territoria.core.roles import has_capability
    from territoria.culture.apps import READ_DRAFTS

    if has_capability(user, READ_DRAFTS):  # members of public bodies read the drafts
        return Action.objects.all()
    return Action.objects.filter(Q(published=True) & Q(status=Action.Status.DONE))
