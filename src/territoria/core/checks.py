"""`manage.py check` for the module contract: a declaration that cannot work fails at start-up,
not on the first page that reads it (core/modules.py)."""

from __future__ import annotations

from django.apps import apps
from django.core.checks import Error, register
from django.urls import NoReverseMatch, reverse

from territoria.core import modules

LISTS = {
    "navigation": modules.NavEntry,
    "home_sections": modules.HomeSection,
    "record_panels": modules.RecordPanel,
    "urls": modules.UrlModule,
    "search_documents": modules.SearchDocumentType,
    "datasets": modules.PublishedDataset,
    "assistant_sources": modules.AssistantSource,
}
INDEXER_MEMBERS = ("namespace", "documents", "keys", "queryset")


def _error(config, message: str, code: int) -> Error:
    return Error(f"{config.label}/apps.py : {message}", id=f"territoria.modules.E{code:03d}")


def _check_types(config) -> list[Error]:
    errors = []
    for attribute, kind in LISTS.items():
        for item in getattr(config, attribute, None) or []:
            if not isinstance(item, kind):
                errors.append(_error(config, f"{attribute} attend des {kind.__name__}.", 1))
    entry = getattr(config, "register_entry", None)
    if entry is not None and not isinstance(entry, modules.SelfDescription):
        errors.append(_error(config, "register_entry attend une SelfDescription.", 1))
    for role, names in (getattr(config, "capabilities", None) or {}).items():
        if not isinstance(names, frozenset):
            errors.append(_error(config, f"capabilities[{role!r}] attend un frozenset.", 1))
    return errors


def _items(config, attribute: str) -> list:
    """The well-typed entries of `attribute` (the others are reported by _check_types)."""
    return [i for i in getattr(config, attribute, None) or [] if isinstance(i, LISTS[attribute])]


def _check_targets(config) -> list[Error]:
    errors = []
    for entry in _items(config, "navigation"):
        try:
            reverse(entry.url_name)
        except NoReverseMatch:
            errors.append(_error(config, f"la page {entry.url_name!r} du menu n'existe pas.", 2))
    for document_type in _items(config, "search_documents"):
        try:
            apps.get_model(document_type.model)
            indexer = modules.resolve(document_type.indexer)
        except (LookupError, ImportError, AttributeError, ValueError) as error:
            errors.append(_error(config, f"{document_type.name} : {error}", 3))
            continue
        missing = [name for name in INDEXER_MEMBERS if not hasattr(indexer, name)]
        if missing:
            errors.append(
                _error(
                    config, f"l'indexeur de {document_type.name} n'a pas {', '.join(missing)}.", 3
                )
            )
    dotted_paths = [s.context for s in _items(config, "home_sections") if s.context]
    dotted_paths += [panel.context for panel in _items(config, "record_panels")]
    for dotted in dotted_paths + [d.writer for d in _items(config, "datasets")]:
        try:
            modules.resolve(dotted)
        except (ImportError, AttributeError, ValueError) as error:
            errors.append(_error(config, f"{dotted} : {error}", 4))
    return errors


def _check_unique(configs) -> list[Error]:
    errors = []
    for attribute, key in (("datasets", "key"), ("assistant_sources", "slug")):
        seen: dict[str, str] = {}
        for config in configs:
            for item in _items(config, attribute):
                value = getattr(item, key)
                if value in seen:
                    errors.append(
                        _error(config, f"{attribute} {value!r} déjà déclaré par {seen[value]}.", 5)
                    )
                seen[value] = config.label
    return errors


@register()
def check_module_declarations(app_configs=None, **kwargs) -> list[Error]:
    configs = list(app_configs) if app_configs is not None else list(apps.get_app_configs())
    errors = _check_unique(configs)
    for config in configs:
        errors += _check_types(config) + _check_targets(config)
    return errors
