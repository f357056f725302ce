"""Moderators edit solutions and providers in the administration (the catalogue's curation)."""

from django.contrib import admin

from territoria.catalogue.models import Experiment, Idea, Provider, Solution


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "size", "siren"]
    search_fields = ["name", "siren"]


@admin.register(Solution)
class SolutionAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "licence", "hosting", "published", "source"]
    list_filter = ["published", "hosting", "free_software", "business_software"]
    search_fields = ["name", "description", "provider__name"]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["title", "solution", "carrier", "status", "decision", "report_public"]
    list_filter = ["status", "decision"]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["need", "service", "organisation", "session", "status"]
    list_filter = ["status"]
