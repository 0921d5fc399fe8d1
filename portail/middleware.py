from django.middleware.csp import get_nonce
from django.utils.functional import SimpleLazyObject


class NonceCspMiddleware:
    """Expose le nonce CSP de Django sous `request.csp_nonce`, le nom qu'attend `dsfr/base.html`.

    Le nonce de Django est paresseux : tant que personne ne l'a lu, il est « faux » et
    `{% dsfr_js nonce=… %}` omettrait l'attribut. `request.csp_nonce` est donc une chaîne paresseuse
    qui le matérialise à la première lecture (l'en-tête CSP et les balises <script> portent alors la même
    valeur) ; une page qui ne le lit pas n'en a pas (pages publiques servies depuis le cache :
    `portail.cache.page_publique` le remplace par une chaîne vide).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = SimpleLazyObject(lambda: str(nonce) if (nonce := get_nonce(request)) is not None else "")
        return self.get_response(request)
