from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from territoria.core.models import ApiToken, AuditLog, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "siret", "type", "region")
    search_fields = ("name", "siret")
    list_filter = ("type",)


@admin.register(User)
class TerritoriaUserAdmin(UserAdmin):
    list_display = ("username", "email", "organisation", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("Territoria", {"fields": ("organisation", "role")}),)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor_label")
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log is kept forever


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owner (pages, API, `territoria api_token`): the admin sees,
    limits and revokes them; the secret is never stored, so never shown."""

    list_display = ("name", "prefix", "owner", "scopes", "requests_per_minute", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "owner__username")
    fields = ("name", "owner", "scopes", "requests_per_minute", "revoked_at", "note")
    readonly_fields = ("owner", "scopes", "note")

    def has_add_permission(self, request):
        return False
