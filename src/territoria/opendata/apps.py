from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "territoria.opendata"
    label = "opendata"
    verbose_name = "Données ouvertes"

    # publish: create datasets and publish versions for one's organisation (an administrator
    # also holds core.platform_admin: any organisation).
    capabilities = {
        "agent": frozenset({"opendata.publish"}),
        "administrateur": frozenset({"opendata.publish"}),
    }

    def ready(self):
        from territoria.opendata import signals

        signals.connect()
