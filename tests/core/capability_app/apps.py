from django.apps import AppConfig


class CapabilityAppConfig(AppConfig):
    """A module that declares one capability, as a new territorial module would."""

    name = "tests.core.capability_app"
    label = "capability_app"
    capabilities = {"elu": frozenset({"capability_app.sign_deliberation"})}
