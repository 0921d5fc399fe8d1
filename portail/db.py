"""Outils de base de données partagés par les commandes d'administration."""

from django.db import connection


def analyser():
    """`ANALYZE` après un semis ou un import en masse : sans statistiques à jour, PostgreSQL choisit de
    mauvais plans (« Mes déclarations » passait de 1,5 s à 10-12 s après un import). Toute commande qui
    sème ou importe des données l'appelle à la fin. Sans effet sur SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute("ANALYZE")
