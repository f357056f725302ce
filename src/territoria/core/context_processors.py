from django.conf import settings
from django.urls import reverse

from territoria.core import modules
from territoria.core.roles import has_capability


def _menu(request, menu: str) -> list[dict]:
    """The entries modules declare for `menu` that this user may follow (see core/modules.py)."""
    user = getattr(request, "user", None)
    items = []
    for entry in modules.navigation(menu):
        if entry.capability and not has_capability(user, entry.capability):
            continue
        # A declared page that does not exist raises NoReverseMatch: a bug of its module.
        items.append({"url": reverse(entry.url_name), "label": entry.label})
    return items


def platform(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "OIDC_ENABLED": settings.OIDC_ENABLED,
        "NAV_ITEMS": _menu(request, "main"),
        "ACCOUNT_ITEMS": _menu(request, "account"),
    }
