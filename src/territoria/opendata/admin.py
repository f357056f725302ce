from django.contrib import admin

from territoria.opendata.models import Dataset, DatasetUsage, Resource, ResourceVersion


class ResourceInline(admin.TabularInline):
    model = Resource
    fields = ["title", "table_name", "current_version"]
    readonly_fields = ["table_name", "current_version"]
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "licence", "theme", "updated_at"]
    list_filter = ["licence", "theme", "organisation"]
    search_fields = ["title", "description"]
    inlines = [ResourceInline]


@admin.register(ResourceVersion)
class ResourceVersionAdmin(admin.ModelAdmin):
    list_display = ["resource", "number", "status", "row_count", "published_at"]
    list_filter = ["status", "source_format"]
    readonly_fields = [f.name for f in ResourceVersion._meta.fields]


@admin.register(DatasetUsage)
class DatasetUsageAdmin(admin.ModelAdmin):
    list_display = ["dataset", "day", "kind", "count"]
    list_filter = ["kind"]
