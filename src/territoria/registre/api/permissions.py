"""DRF permission classes of the register API: thin adapters over `registre.permissions`.

The rules themselves (who may edit, submit, publish…) live in `get_abilities`; these classes
only map an API action to the ability it needs, so the pages and the API cannot disagree.
"""

from rest_framework import permissions

from territoria.registre.permissions import (
    can_contribute,
    can_manage_organisations,
    get_abilities,
)

# API action → ability of `get_abilities` it requires on the project.
ACTION_ABILITIES = {
    "update": "edit",
    "partial_update": "edit",
    "submit": "submit",
    "publish": "publish",
    "send_back": "send_back",
    "archive": "archive",
    "history": "view_history",
}

ACTION_NAMES = {
    "edit": "modifier ce projet",
    "submit": "soumettre ce projet à la modération",
    "publish": "publier ce projet",
    "send_back": "renvoyer ce projet à son contributeur",
    "archive": "archiver ce projet",
    "view_history": "consulter l'historique de ce projet",
}


class ProjectPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401/403 "Informations d'authentification non fournies."
        if view.action == "create" and not can_contribute(request.user):
            self.message = "Seuls les agents d'une organisation et les modérateurs peuvent documenter un projet."
            return False
        return True

    def has_object_permission(self, request, view, project):
        ability = ACTION_ABILITIES.get(view.action)
        if ability is None:
            return True
        if get_abilities(request.user, project)[ability]:
            return True
        self.message = (
            f"Vous ne pouvez pas {ACTION_NAMES[ability]} : vous n'en avez pas le droit, ou le projet est "
            f"dans l'état « {project.get_lifecycle_display()} »."
        )
        return False


class IsModeratorOrReadOnly(permissions.BasePermission):
    message = "Seuls les modérateurs et les administrateurs peuvent créer une organisation."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_organisations(request.user)


class ErrorReportPermission(permissions.BasePermission):
    """Anyone may report an error; reading reports needs an account (the queryset narrows it)."""

    message = "Connectez-vous : les signalements ne sont lisibles que par la modération et les porteurs du projet."

    def has_permission(self, request, view):
        if view.action == "create":
            return True
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, report):
        return get_abilities(request.user, report.project)["moderate_reports"]
