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
        item = {"url": reverse(entry.url_name), "label": entry.label, "count": 0}
        if entry.count:
            item["count"] = modules.resolve(entry.count)(request) or 0
            item["count_label"] = entry.count_label
        items.append(item)
    return items


def _queue_notice(request) -> str:
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return ""  # citizens start no background work
    from territoria.core.operations import queue_notice

    return queue_notice()


def platform(request):
    return {
        "QUEUE_NOTICE": _queue_notice(request),
        "SITE_NAME": settings.SITE_NAME,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,  # login page: whom to ask for an account
        "OIDC_ENABLED": settings.OIDC_ENABLED,
        "NAV_ITEMS": _menu(request, "main"),
        "ACCOUNT_ITEMS": _menu(request, "account"),
    }
