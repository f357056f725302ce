from django.conf import settings
from django.urls import NoReverseMatch, reverse

# (url name, label) of the main menu; an entry whose app has no such page yet is left out.
NAV = [
    ("registre:list", "Registre des IA"),
    ("registre:map", "Carte"),
    ("registre:dashboard", "Tableau de bord"),
    ("assistant:chat", "Assistant"),
    ("opendata:catalog", "Données ouvertes"),
]


def _nav_items():
    items = []
    for name, label in NAV:
        try:
            items.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return items


def platform(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "OIDC_ENABLED": settings.OIDC_ENABLED,
        "NAV_ITEMS": _nav_items(),
    }
