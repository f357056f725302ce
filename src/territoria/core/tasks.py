"""Background jobs of the core: the runner of the apps' periodic tasks."""

from django_tasks import task


@task()
def run_periodic_task(name: str):
    from territoria.core import periodic

    result = periodic.call(periodic.get_task(name))
    # The queue stores results as JSON: keep what is JSON, describe the rest.
    return (
        result
        if isinstance(result, (int, float, str, bool, dict, list, type(None)))
        else str(result)
    )
