from django.contrib.auth.backends import BaseBackend


class ProConnectBackend(BaseBackend):
    pass


class FranceConnectBackend(BaseBackend):
    pass
