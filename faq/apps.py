from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "faq"
    verbose_name = "Foire aux questions"
