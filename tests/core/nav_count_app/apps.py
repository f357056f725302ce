from django.apps import AppConfig

from territoria.core.modules import NavEntry


def waiting(request) -> int:
    """What a module would count for this visitor (here: 4 for agents, none for élus)."""
    return 0 if request.user.role == "elu" else 4


class NavCountAppConfig(AppConfig):
    """A module whose menu entry shows a number beside its label (NavEntry.count)."""

    name = "tests.core.nav_count_app"
    label = "nav_count_app"
    navigation = [
        NavEntry(
            "À relire",
            "home",
            menu="account",
            count="tests.core.nav_count_app.apps.waiting",
            count_label="en attente",
        )
    ]
