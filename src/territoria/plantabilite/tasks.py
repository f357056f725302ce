"""Background jobs of the planting-feasibility layer (worker: `territoria db_worker`)."""

from django_tasks import task


@task()
def run_computation(computation_id: str) -> None:
    from territoria.plantabilite.computing import run
    from territoria.plantabilite.models import Computation

    computation = Computation.objects.filter(pk=computation_id).first()
    if computation is not None and computation.state == Computation.State.QUEUED:
        run(computation)


@task()
def import_osm_extract(territory_id: str, path: str, user_id: int | None = None) -> None:
    from territoria.plantabilite.importing import import_osm
    from territoria.plantabilite.models import Territory

    import_osm(Territory.objects.get(pk=territory_id), path, imported_by_id=user_id)
