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

    # Scopes of API tokens (core/tokens.py): a read key gets its own rate limit, nothing more.
    api_scopes = {
        "opendata:read": "Interroger et télécharger les données publiées",
        "opendata:write": "Créer des jeux de données et publier (selon vos droits)",
    }

    def ready(self):
        from territoria.opendata import signals

        signals.connect()
