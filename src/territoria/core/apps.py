from datetime import timedelta

from django.apps import AppConfig

from territoria.core.modules import NavEntry
from territoria.core.periodic import PeriodicTask


class CoreConfig(AppConfig):
    name = "territoria.core"
    label = "core"
    verbose_name = "Socle"

    # internal_reader: a member of a public body (reads what is internal to the collectivités;
    # search token "cap:core.internal_reader"); platform_admin: acts on every organisation's objects.
    capabilities = {
        "agent": frozenset({"core.internal_reader"}),
        "elu": frozenset({"core.internal_reader"}),
        "moderateur": frozenset({"core.internal_reader"}),
        "administrateur": frozenset({"core.internal_reader", "core.platform_admin"}),
    }
    navigation = [
        NavEntry("Exploitation", "operations", capability="core.platform_admin", menu="account")
    ]
    periodic_tasks = [
        PeriodicTask(
            "fail_orphaned_task_results",
            "territoria.core.recovery.fail_orphaned_task_results",
            timedelta(minutes=5),
            at_worker_start=True,
        ),
    ]

    def ready(self):
        from django.apps import apps
        from django_tasks.signals import task_started

        from territoria.core import checks  # noqa: F401  (registers the module contract's check)
        from territoria.core.audit import connect_delete_receivers
        from territoria.core.workers import on_task_started

        connect_delete_receivers(apps.get_models())
        task_started.connect(on_task_started, dispatch_uid="core-worker-heartbeat")
