from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "territoria.assistant"
    label = "assistant"
