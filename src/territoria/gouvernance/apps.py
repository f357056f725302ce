from django.apps import AppConfig


class GouvernanceConfig(AppConfig):
    name = "territoria.gouvernance"
    label = "gouvernance"
