"""Request bodies the API expects to be JSON objects."""

from rest_framework import exceptions


def request_object(request):
    """The body as a dict; a JSON list or scalar body is refused in French rather than crashing."""
    data = request.data
    if hasattr(data, "keys"):
        return data
    raise exceptions.ValidationError(
        {"detail": ["Corps de requête invalide : un objet JSON est attendu."]}
    )
