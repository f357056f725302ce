from django.apps import AppConfig


class RegistreConfig(AppConfig):
    name = "territoria.registre"
    label = "registre"
    verbose_name = "Registre des systèmes d'IA"

    # view_restricted: the restricted fields of every record; contribute: document the projects
    # of one's organisation; moderate: publish, send back, archive any record, edit any record.
    capabilities = {
        "agent": frozenset({"registre.view_restricted", "registre.contribute"}),
        "elu": frozenset({"registre.view_restricted"}),
        "moderateur": frozenset(
            {"registre.view_restricted", "registre.contribute", "registre.moderate"}
        ),
        "administrateur": frozenset(
            {"registre.view_restricted", "registre.contribute", "registre.moderate"}
        ),
    }

    # Scopes of API tokens (core/tokens.py): what a program may do in its owner's name.
    api_scopes = {
        "registre:read": "Lire le registre (champs restreints compris, selon vos droits)",
        "registre:write": "Documenter, modifier et faire avancer les projets (selon vos droits)",
    }

    def ready(self):
        from territoria.registre.search import signals  # noqa: F401  (keeps the search index up to date)
