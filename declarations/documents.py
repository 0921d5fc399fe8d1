"""« Mes documents » : les guides des forces de l'ordre, en page HTML et en PDF (même contenu)."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from portail.enums import Role
from portail.pdf import confier, empreinte_pdf, rendre_pdf, reponse_en_preparation
from portail.permissions import role_requis
from precontentieux.models import Invitation

FEUILLE_DE_STYLE = "documents_pdf/documents.css"

# Chaque document : un contenu partagé (partiel inclus dans la page et dans le PDF) et un gabarit PDF.
DOCUMENTS = {
    "guide-declaration-en-ligne": {
        "titre": "Guide de la déclaration en ligne",
        "description": "Déclarer un bris de porte pas à pas : quand déclarer, les trois étapes, les brouillons, "
        "l’envoi et le suivi dans « Mes déclarations ».",
        "contenu": "documents_pdf/_guide_declaration.html",
        "pdf": "documents_pdf/guide_declaration.html",
        "fichier": "guide-declaration-bris-de-porte.pdf",
    },
    "notice-occupant": {
        "titre": "Notice à remettre à l’occupant après un bris de porte",
        "description": "À imprimer et à remettre à l’occupant : ce qui s’est passé, comment demander une "
        "indemnisation, les pièces à préparer, les délais et les contacts d’aide.",
        "contenu": "documents_pdf/_notice_occupant.html",
        "pdf": "documents_pdf/notice_occupant.html",
        "fichier": "notice-occupant-bris-de-porte.pdf",
    },
}


def _document(slug):
    try:
        return {"slug": slug, **DOCUMENTS[slug]}
    except KeyError:
        raise Http404("Document inconnu") from None


def _url_absolue(nom):
    return settings.URL_PORTAIL + reverse(nom)


def contexte_documents():
    """Contexte commun au HTML et au PDF : aucune donnée de l'utilisateur connecté (PDF partagé en cache)."""
    return {
        "url_portail": settings.URL_PORTAIL,
        "url_faq": _url_absolue("faq:liste"),
        "duree_invitation_jours": Invitation.DUREE_VALIDITE.days,
    }


@role_requis(Role.FORCES_DE_L_ORDRE)
@require_GET
def liste(request):
    documents = [_document(slug) for slug in DOCUMENTS]
    return render(request, "declarations/documents.html", {"documents": documents})


@role_requis(Role.FORCES_DE_L_ORDRE)
@require_GET
def page(request, slug):
    document = _document(slug)
    contexte = {**contexte_documents(), "document": document, "pour_impression": False}
    return render(request, "declarations/documents_page.html", contexte)


def _contexte_pdf(slug):
    return {**contexte_documents(), "document": _document(slug), "pour_impression": True}


def nom_stockage(slug):
    """Nom de rangement du PDF, tiré de son contenu : un guide modifié donne un nouveau fichier."""
    document = _document(slug)
    return f"documents/{slug}-{empreinte_pdf(document['pdf'], _contexte_pdf(slug), [FEUILLE_DE_STYLE])}.pdf"


def pdf_du_document(slug):
    """Rend le PDF (WeasyPrint). Appelé par la tâche `declarations.tasks.preparer_document`, jamais par une vue."""
    return rendre_pdf(_document(slug)["pdf"], _contexte_pdf(slug), feuilles_de_style=[FEUILLE_DE_STYLE])


def preparer(slug):
    """Range le PDF du document s'il ne l'est pas encore (idempotent) ; renvoie son nom de stockage."""
    nom = nom_stockage(slug)
    if not default_storage.exists(nom):
        default_storage.save(nom, ContentFile(pdf_du_document(slug)))
    return nom


@role_requis(Role.FORCES_DE_L_ORDRE)
@require_GET
def telecharger(request, slug):
    document = _document(slug)
    nom = nom_stockage(slug)
    if not default_storage.exists(nom):
        from declarations.tasks import preparer_document

        confier(preparer_document, slug)  # mode embarqué : préparé tout de suite
        if not default_storage.exists(nom):
            return reponse_en_preparation(
                request, document["titre"], reverse("declarations:documents"), "Mes documents"
            )
    with default_storage.open(nom, "rb") as fichier:
        reponse = HttpResponse(fichier.read(), content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="{document["fichier"]}"'
    reponse["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(reponse, private=True, max_age=3600)
    return reponse
