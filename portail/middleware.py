from django.middleware.csp import get_nonce


class NonceCspMiddleware:
    """Expose le nonce CSP de Django sous `request.csp_nonce`, le nom qu'attend `dsfr/base.html`.

    Le nonce de Django est paresseux : tant que personne ne l'a lu, il est « faux » et
    `{% dsfr_js nonce=… %}` omettrait l'attribut. On le matérialise donc ici (chaîne), ce qui
    garantit que l'en-tête CSP et les balises <script> portent la même valeur.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce = get_nonce(request)
        request.csp_nonce = str(nonce) if nonce is not None else ""
        return self.get_response(request)
