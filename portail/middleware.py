from django.middleware.csp import get_nonce


class NonceCspMiddleware:
    """Expose le nonce CSP de Django sous `request.csp_nonce`, le nom qu'attend `dsfr/base.html`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = get_nonce(request)
        return self.get_response(request)
