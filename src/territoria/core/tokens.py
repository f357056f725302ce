"""API tokens: issued once, stored as a hash, narrowed by scopes.

A token reads `trt_<prefix>_<secret>`: 32 random bytes of secret, the prefix (8 hex digits)
names it in lists and finds its row; only SHA-256 of the whole token is stored and compared
in constant time. SHA-256 without salt is enough for a high-entropy secret (nothing to
brute-force); a slow password hash would only slow every API call.

Scopes are declared by the apps (AppConfig `api_scopes = {"registre:read": "label"}`); the
scope a request needs is `<app label>:read` for GET/HEAD/OPTIONS and `<app label>:write`
otherwise, the app being the one whose module defines the view (a view may name its scope
with `token_scope`, e.g. a read-only query sent by POST).

Tokens of earlier versions keep working when their hash could be carried over (migrations
core 0004 and opendata 0002, docs/api.md): opendata keys `td_<prefix>_<secret>` and the
register's 40-hex-digit DRF tokens (hashed, then the clear table dropped).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.apps import apps
from django.db import models
from django.utils import timezone

from territoria.core.models import ApiToken

TOKEN_RE = re.compile(r"^(trt|td)_([0-9a-f]{8})_[A-Za-z0-9_-]{20,}$")
LEGACY_DRF_TOKEN_RE = re.compile(r"^[0-9a-f]{40}$")
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def declared_scopes() -> dict[str, str]:
    """scope → French label, from every app's `api_scopes`."""
    scopes: dict[str, str] = {}
    for config in apps.get_app_configs():
        scopes.update(getattr(config, "api_scopes", {}))
    return scopes


def issue(
    *, owner, name: str, scopes, requests_per_minute: int = 600, note: str = ""
) -> tuple[ApiToken, str]:
    """Create a token; the raw token is returned once and never stored."""
    unknown = sorted(set(scopes) - set(declared_scopes()))
    if unknown or not scopes:
        raise ValueError(f"portées inconnues ou absentes : {', '.join(unknown) or '(aucune)'}")
    prefix = secrets.token_hex(4)
    raw = f"trt_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        owner=owner,
        name=name,
        prefix=prefix,
        key_hash=hash_token(raw),
        scopes=sorted(set(scopes)),
        requests_per_minute=requests_per_minute,
        note=note,
    )
    return token, raw


def prefix_of(raw: str) -> str | None:
    match = TOKEN_RE.match(raw)
    if match:
        return match.group(2)
    if LEGACY_DRF_TOKEN_RE.match(raw):
        return raw[:8]
    return None


def find(raw: str) -> ApiToken | None:
    """The active token `raw` is, or None (compared in constant time)."""
    raw = raw.strip()
    prefix = prefix_of(raw)
    if prefix is None:
        return None
    digest = hash_token(raw)
    found = None
    for token in ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).select_related(
        "owner"
    ):
        if hmac.compare_digest(token.key_hash, digest):
            found = token
    return found


def record_use(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now(), use_count=models.F("use_count") + 1
    )


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])


def required_scope(view, method: str) -> str | None:
    """The scope a request to `view` needs: its `token_scope`, or `<app>:read|write`."""
    explicit = getattr(view, "token_scope", None)
    if explicit:
        return explicit
    config = apps.get_containing_app_config(type(view).__module__) if view else None
    if config is None:
        return None
    return f"{config.label}:{'read' if method in READ_METHODS else 'write'}"
