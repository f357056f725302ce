from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "territoria.core"
    label = "core"
    verbose_name = "Socle"

    # internal_reader: a member of a public body (reads what is internal to the collectivités,
    # e.g. the search "staff" token); platform_admin: acts on every organisation's objects.
    capabilities = {
        "agent": frozenset({"core.internal_reader"}),
        "elu": frozenset({"core.internal_reader"}),
        "moderateur": frozenset({"core.internal_reader"}),
        "administrateur": frozenset({"core.internal_reader", "core.platform_admin"}),
    }

    def ready(self):
        from django.apps import apps

        from territoria.core.audit import connect_delete_receivers

        connect_delete_receivers(apps.get_models())
