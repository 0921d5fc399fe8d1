from django.apps import AppConfig


class PrecontentieuxConfig(AppConfig):
    name = "precontentieux"
    verbose_name = "Précontentieux"
