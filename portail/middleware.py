from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.http.request import split_domain_port
from django.middleware.csp import get_nonce
from django.utils.functional import SimpleLazyObject

ADRESSES_LOCALES = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


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


class AdresseLocaleCanoniqueMiddleware:
    """Développement (`make run`) : `localhost` marche aussi bien que `127.0.0.1`.

    Les fournisseurs OIDC (même le local) n'acceptent que les URI de retour inscrites, exactement : celles de
    `URL_PORTAIL`. Un navigateur arrivé par une autre adresse locale aurait son cookie de session sur un autre
    hôte que le retour du fournisseur, et la connexion échouerait. On le redirige donc, dès la première page,
    vers la même page à l'adresse de `URL_PORTAIL`. Sans effet hors `DEBUG`, ou si `URL_PORTAIL` n'est pas une
    adresse locale.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG and request.method in ("GET", "HEAD"):
            cible = urlsplit(settings.URL_PORTAIL)
            nom, _ = split_domain_port(request.get_host())
            nom_cible, _ = split_domain_port(cible.netloc)
            if nom in ADRESSES_LOCALES and nom_cible in ADRESSES_LOCALES and nom != nom_cible:
                return HttpResponseRedirect(f"{cible.scheme}://{cible.netloc}{request.get_full_path()}")
        return self.get_response(request)
