"""Courriels envoyés en développement (`make run`) : page de lecture, décodée, liens cliquables.

En mode embarqué, les courriels sont écrits par le backend « fichier » de Django dans `DOSSIER_COURRIELS_DEV`
(un fichier par connexion, messages MIME bruts séparés par une ligne de 79 tirets) : illisibles tels quels
(quoted-printable, liens coupés en fin de ligne). Cette page les décode. Elle n'existe qu'avec `DEBUG` et ce
dossier configuré (`portail/settings/dev.py`) : partout ailleurs, 404.
"""

from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

SEPARATEUR = b"\n" + b"-" * 79 + b"\n"
LIMITE = 50


@dataclass(frozen=True)
class CourrielDev:
    sujet: str
    expediteur: str
    destinataires: str
    date: object
    texte: str
    fichier: str
    ordre: tuple = ()


def _texte(message):
    corps = message.get_body(preferencelist=("plain", "html"))
    if corps is None:
        return ""
    try:
        return corps.get_content()
    except (LookupError, ValueError):
        return corps.get_payload(decode=True).decode("utf-8", "replace")


def lire_courriels(dossier, limite=LIMITE):
    """Les derniers courriels écrits dans `dossier`, du plus récent au plus ancien."""
    racine = Path(dossier)
    if not racine.is_dir():
        return []
    courriels = []
    for fichier in racine.glob("*.log"):
        ecrit_le = fichier.stat().st_mtime_ns
        for position, bloc in enumerate(fichier.read_bytes().split(SEPARATEUR)):
            if not bloc.strip():
                continue
            message = BytesParser(policy=policy.default).parsebytes(bloc.strip(b"\n") + b"\n")
            try:
                date = parsedate_to_datetime(message["Date"]) if message["Date"] else None
            except (TypeError, ValueError):
                date = None
            courriels.append(
                CourrielDev(
                    sujet=str(message["Subject"] or "(sans objet)"),
                    expediteur=str(message["From"] or ""),
                    destinataires=", ".join(str(a) for a in (message.get_all("To") or [])),
                    date=date,
                    texte=_texte(message),
                    fichier=fichier.name,
                    # L'en-tête Date est à la seconde : départage par l'écriture du fichier puis la position.
                    ordre=(date.timestamp() if date else 0, ecrit_le, position),
                )
            )
    courriels.sort(key=lambda c: c.ordre, reverse=True)
    return courriels[:limite]


def page_disponible():
    return bool(settings.DEBUG and getattr(settings, "DOSSIER_COURRIELS_DEV", ""))


@require_GET
@login_not_required
def courriels(request):
    if not page_disponible():
        raise Http404
    dossier = settings.DOSSIER_COURRIELS_DEV
    return render(request, "portail/courriels_dev.html", {"courriels": lire_courriels(dossier), "dossier": dossier})
