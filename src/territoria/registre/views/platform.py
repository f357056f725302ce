"""`/registre/plateforme/`: the AI systems of Territoria itself, as each module describes itself.

Living transparency: every module declares its `register_entry` (core/modules.py) — purpose,
data, algorithm, measured performance, energy per run, and the command that measured them —
and the register shows them beside the collectivités' own projects, in the same words.
"""

from dataclasses import asdict

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from territoria.core.modules import self_descriptions

HEADINGS = [
    ("purpose", "À quoi il sert"),
    ("data", "Données utilisées"),
    ("algorithm", "Méthode"),
    ("performance", "Performance mesurée"),
    ("energy", "Énergie par utilisation"),
    ("measured_by", "Mesuré par"),
]


def _entries() -> list[dict]:
    entries = []
    for description in sorted(self_descriptions(), key=lambda d: d.name.casefold()):
        entry = asdict(description)
        try:
            entry["url"] = reverse(description.url_name) if description.url_name else ""
        except NoReverseMatch:
            entry["url"] = ""
        entries.append(entry)
    return entries


def platform_systems(request):
    entries = [
        {**entry, "rows": [(title, entry[key]) for key, title in HEADINGS]} for entry in _entries()
    ]
    return render(request, "registre/platform.html", {"entries": entries})


class SelfDescriptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    purpose = serializers.CharField(allow_null=True)
    data = serializers.CharField(allow_null=True)
    algorithm = serializers.CharField(allow_null=True)
    performance = serializers.CharField(allow_null=True)
    energy = serializers.CharField(allow_null=True)
    measured_by = serializers.CharField(allow_null=True)
    url_name = serializers.CharField(allow_null=True)
    url = serializers.CharField()


class PlatformSystemsView(APIView):
    """Les systèmes d'IA de la plateforme elle-même, tels que chaque module se décrit."""

    permission_classes = []

    @extend_schema(
        summary="Systèmes d'IA de Territoria (auto-description des modules)",
        responses=SelfDescriptionSerializer(many=True),
    )
    def get(self, request):
        return Response(_entries())
