"""Adresse de contact d'un compte usager (issue 11, item 15) : par défaut l'adresse transmise par FranceConnect (ou
celle du compte) ; l'usager peut en choisir une autre, prouvée par un code à usage unique envoyé à cette adresse
(portail/codes.py, le même mécanisme que pour les invitations). Tant que le code n'est pas saisi, rien ne change et
aucun courriel automatique ne part vers la nouvelle adresse (portail/adresses.adresse_prouvee).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portail.adresses import adresse_prouvee
from portail.codes import SaisieCodeForm, code_en_attente, envoyer_code, verifier_code
from portail.formulaires import FormulaireDsfr
from portail.limiteurs import DebitDepasse
from portail.models import ObjetCode
from portail.permissions import usager_requis
from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier
from usagers.demande.assistant import CLE_CHAMPS_CERTIFIES
from usagers.invitations import masquer_adresse


class AdresseContactForm(FormulaireDsfr):
    courriel = forms.EmailField(
        label="Nouvelle adresse de contact",
        help_text="Format attendu : nom@domaine.fr. Un code de vérification y sera envoyé.",
        max_length=254,
        error_messages={
            "required": "Indiquez la nouvelle adresse de contact.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


def _appliquer(user, adresse):
    """Nouvelle adresse de contact (prouvée) : compte, demandes encore à compléter, identité relue en session."""
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(courriel_contact=adresse)
        user.courriel_contact = adresse
        Dossier.objects.filter(requerant=user, statut=StatutDossier.A_COMPLETER).update(courriel=adresse)


@usager_requis
@require_http_methods(["GET", "POST"])
def adresse_contact(request):
    user = request.user
    form_adresse = AdresseContactForm(request.POST if request.POST.get("action") == "envoyer" else None)
    form_code = SaisieCodeForm(request.POST if request.POST.get("action") == "verifier" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "envoyer" and form_adresse.is_valid():
            try:
                envoyer_code(user, ObjetCode.CONTACT, form_adresse.cleaned_data["courriel"].lower())
            except DebitDepasse as refus:
                form_adresse.add_error(None, str(refus))
                status = 429
            else:
                messages.success(request, "Un code de vérification vient d’être envoyé à la nouvelle adresse.")
                return redirect("usagers:adresse_contact")
        elif action == "verifier" and form_code.is_valid():
            verification = verifier_code(user, ObjetCode.CONTACT, form_code.cleaned_data["code"])
            if verification.reussie:
                _appliquer(user, verification.code.adresse)
                request.session.pop(CLE_CHAMPS_CERTIFIES, None)
                messages.success(request, f"Votre adresse de contact est maintenant {verification.code.adresse}.")
                return redirect("usagers:adresse_contact")
            form_code.add_error("code", verification.message)
        elif action == "revenir":
            _appliquer(user, "")
            request.session.pop(CLE_CHAMPS_CERTIFIES, None)
            messages.success(request, "Votre adresse de contact est de nouveau l’adresse de votre compte.")
            return redirect("usagers:adresse_contact")
        status = status if status != 200 else 400
    en_attente = code_en_attente(user, ObjetCode.CONTACT)
    return render(
        request,
        "usagers/adresse_contact.html",
        {
            "adresse_actuelle": adresse_prouvee(user),
            "contact_choisi": bool(user.courriel_contact),
            "form_adresse": form_adresse,
            "form": form_code,
            "en_attente": en_attente,
            "adresse_en_attente": masquer_adresse(en_attente.adresse) if en_attente else "",
        },
        status=status,
    )
