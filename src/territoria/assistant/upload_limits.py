"""Limits of the assistant's upload routes, applied BEFORE the request body is read.

Django reads a multipart body in full (to temporary files) as soon as anything touches
request.POST — the CSRF check does, before any view. So an oversized upload was received,
stored, and only then refused (a 120 MB file stayed on disk; issue 11, M6). Here, per route:
- the declared size of the whole request is checked first (413, nothing read);
- a first upload handler stops each file at TERRITORIA_ASSISTANT_MAX_FILE_MB while it
  streams: the file is dropped (its temporary file deleted) and named in a French message;
- too many files in one request (Django's DATA_UPLOAD_MAX_NUMBER_FILES) gets a French
  message instead of a bare 400.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from rest_framework.exceptions import APIException

MB = 1024 * 1024
MULTIPART_OVERHEAD = MB  # boundaries and headers around one file, generously


class FileSizeLimit(FileUploadHandler):
    """First handler of the chain: a file past the limit is skipped before the next handlers
    write more of it; Django then closes (deletes) what they wrote."""

    def __init__(self, request, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refused: list[str] = []

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self.refused.append(self.file_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers make the file

    def messages(self) -> list[str]:
        limit = settings.ASSISTANT_MAX_FILE_MB
        return [
            f"« {name} » : fichier trop volumineux (plus de {limit} Mo : réglage "
            "TERRITORIA_ASSISTANT_MAX_FILE_MB) ; il n'a pas été enregistré."
            for name in self.refused
        ]


def too_large_message(length: int, limit_bytes: int, setting: str) -> str:
    return (
        f"Envoi trop volumineux ({length / MB:.0f} Mo, au plus {limit_bytes / MB:.0f} Mo en une "
        f"fois : réglage {setting}) ; envoyez moins de fichiers à la fois."
    )


def too_many_files_message() -> str:
    return (
        f"Trop de fichiers en un seul envoi (au plus {settings.DATA_UPLOAD_MAX_NUMBER_FILES}) ; "
        "envoyez le dossier en plusieurs fois, par sous-dossier."
    )


def limit_upload(request, max_request_bytes: int, setting: str) -> str | None:
    """Call before anything reads the body: a refusal message, or None once the per-file
    limit is installed (read its refusals from `request.upload_size_limit`)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_request_bytes:
        return too_large_message(length, max_request_bytes, setting)
    handler = FileSizeLimit(request, settings.ASSISTANT_MAX_FILE_MB * MB)
    request.upload_handlers.insert(0, handler)
    request.upload_size_limit = handler
    return None


def refused_upload_messages(request) -> list[str]:
    handler = getattr(request, "upload_size_limit", None)
    return handler.messages() if handler else []


def guarded_upload_page(view):
    """For a page that takes uploads: limits first, then the CSRF check (which reads the
    body, hence moved after them), then the view."""
    protected = csrf_protect(view)

    def refused(request, message, status):
        return render(
            request,
            "assistant/upload_refused.html",
            {"message": message, "back": request.path},
            status=status,
        )

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return protected(request, *args, **kwargs)
        # (A visitor's body is already capped by core/body_limits.py's middleware.)
        limit = settings.ASSISTANT_MAX_UPLOAD_MB * MB
        message = limit_upload(request, limit, "TERRITORIA_ASSISTANT_MAX_UPLOAD_MB")
        if message:
            return refused(request, message, 413)
        try:
            return protected(request, *args, **kwargs)
        except TooManyFilesSent:
            return refused(request, too_many_files_message(), 400)

    return csrf_exempt(wrapped)


class UploadTooLarge(APIException):
    status_code = 413
    default_detail = "Envoi trop volumineux."
    default_code = "upload_too_large"
