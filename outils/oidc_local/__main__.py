"""Ligne de commande : `python -m outils.oidc_local --port 8001`."""

import argparse
import logging
import os
import sys

from .serveur import CLIENTS_PAR_DEFAUT, URL_PORTAIL_PAR_DEFAUT, FournisseurOIDCLocal


def analyser(arguments=None):
    env = os.environ.get
    parseur = argparse.ArgumentParser(
        prog="python -m outils.oidc_local",
        description="Fournisseur OIDC local simulant ProConnect et FranceConnect (développement uniquement).",
    )
    parseur.add_argument("--hote", default=env("OIDC_LOCAL_HOTE", "127.0.0.1"), help="adresse d’écoute")
    parseur.add_argument("--port", type=int, default=int(env("OIDC_LOCAL_PORT", "8001")), help="port d’écoute")
    parseur.add_argument(
        "--url-base",
        default=env("OIDC_LOCAL_URL_BASE"),
        help="URL publique du fournisseur (émetteur = URL de base + /proconnect ou /franceconnect)",
    )
    parseur.add_argument(
        "--dossier-cles",
        default=env("OIDC_LOCAL_DOSSIER_CLES", ".oidc_local"),
        help="dossier où garder les clés de signature (vide : clés éphémères)",
    )
    for saveur, (client_id, secret) in CLIENTS_PAR_DEFAUT.items():
        prefixe = saveur.upper()
        parseur.add_argument(f"--{saveur}-client-id", default=env(f"{prefixe}_CLIENT_ID", client_id))
        parseur.add_argument(f"--{saveur}-client-secret", default=env(f"{prefixe}_CLIENT_SECRET", secret))
    parseur.add_argument(
        "--url-portail",
        action="append",
        default=[],
        help="adresse du portail dont les URI de retour et de déconnexion exactes sont inscrites "
        "(répétable ; par défaut URL_PORTAIL, sinon " + URL_PORTAIL_PAR_DEFAUT + ")",
    )
    parseur.add_argument(
        "--test", action="store_true", help="active POST /_test/alterer (inconduites pour les tests, jamais en dev)"
    )
    return parseur.parse_args(arguments)


def construire(options):
    return FournisseurOIDCLocal(
        hote=options.hote,
        port=options.port,
        url_base=options.url_base,
        clients={
            "proconnect": (options.proconnect_client_id, options.proconnect_client_secret),
            "franceconnect": (options.franceconnect_client_id, options.franceconnect_client_secret),
        },
        dossier_cles=options.dossier_cles or None,
        mode_test=options.test,
        urls_portail=options.url_portail or [os.environ.get("URL_PORTAIL") or URL_PORTAIL_PAR_DEFAUT],
    )


def main(arguments=None):
    options = analyser(arguments)
    logging.basicConfig(level=logging.INFO, format="[oidc-local] %(message)s")
    fournisseur = construire(options)
    url = options.url_base or f"http://{options.hote}:{options.port}"
    print(f"Fournisseur OIDC local sur {url}/proconnect et {url}/franceconnect", file=sys.stderr, flush=True)
    for client in fournisseur.clients.values():
        for uri in client.uris_redirection + client.uris_deconnexion:
            print(f"  URI inscrite : {uri}", file=sys.stderr, flush=True)
    try:
        fournisseur.servir()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
