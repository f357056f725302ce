from territoria.core.audit import acting_as


class CurrentActorMiddleware:
    """Signs the changes made while serving a request with the logged-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)
