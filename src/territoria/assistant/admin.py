from django.contrib import admin

from territoria.assistant.models import Collection, Document, Exchange, HandoffRequest, IngestionJob


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "visibility", "organisation", "managed"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["groups"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["source", "collection", "state", "chunk_count", "indexed_at"]
    list_filter = ["state", "collection"]
    readonly_fields = ["content_hash", "error", "chunk_count", "indexed_at"]


@admin.register(IngestionJob)
class IngestionJobAdmin(admin.ModelAdmin):
    list_display = ["collection", "state", "total", "indexed", "unchanged", "failed", "created_at"]


@admin.register(HandoffRequest)
class HandoffRequestAdmin(admin.ModelAdmin):
    list_display = ["question", "collection", "state", "created_at"]
    list_filter = ["state", "collection"]


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "method", "abstained", "latency_ms", "feedback"]
    list_filter = ["method", "abstained", "feedback"]
    exclude = ["answer"]  # the log shows answers masked
    readonly_fields = ["answer_for_log"]
