"""Le moteur des assistants à brouillon en base : déclaration des forces de l'ordre et demande de l'usager.

Le brouillon (champ JSON d'une ligne : `Declaration.brouillon`, `Dossier.brouillon`) contient exactement les
données d'un stockage django-formtools (étape courante, données brutes de chaque étape). Chaque écriture est un
UPDATE conditionné à la version lue (concurrence optimiste entre onglets).

`Assistant` porte, une seule fois pour les deux assistants, la boucle commune :
- GET d'une étape (jamais d'écriture ; erreurs affichées seulement après un envoi refusé, `?verifier`) ;
- POST d'une étape : saisie brute rangée dans le brouillon, documents joints ou retirés, « Revenir »,
  « Enregistrer et quitter », « Continuer » (validation, étape suivante ou fin de l'assistant) ;
- enregistrement automatique (`vue_brouillon()`, réponses JSON lues par `static/js/brouillon.js`) ;
- conflit de version (autre onglet), brouillon devenu indisponible (envoyé, déposé, supprimé) ;
- session expirée pendant la saisie : la saisie postée est gardée dans la session puis enregistrée dans le
  brouillon au retour de la personne (`avec_saisie_conservee`, bornes dans `portail/saisie_conservee.py`).

Chaque application ne garde que ses formulaires d'étape, son stockage (colonnes écrites avec le brouillon) et ce
qui diffère vraiment (documents joints, fin de l'assistant : envoi ou dépôt).
"""

import copy
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import F
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import NamedUrlWizardView, StepsHelper

from portail import saisie_conservee
from portail.formulaires import cible_du_champ
from portail.saisie import nettoyer_pour_brouillon

# Longueur maximale conservée pour une valeur brute (la validation des longueurs vient à « Continuer »).
LONGUEUR_MAX_BRUTE = 10_000


class ConflitDeVersion(Exception):
    """Le brouillon a été modifié ailleurs (autre onglet, autre navigateur) depuis son chargement."""

    message = (
        "Ce brouillon a été modifié dans un autre onglet ou un autre navigateur depuis l’ouverture de cette "
        "page. Vos dernières modifications n’ont pas été enregistrées pour ne pas écraser l’autre saisie : "
        "rechargez la page pour reprendre la version la plus récente."
    )

    def __str__(self):
        return self.message


class BrouillonIndisponible(Exception):
    """Le brouillon ne peut plus être écrit (envoyé, déposé, supprimé). Chaque application le décline."""

    message = ""
    motif = ""  # lu par le script d'enregistrement automatique
    lien = "Recharger la page"  # libellé du lien de l'alerte
    niveau = messages.INFO

    def __str__(self):
        return self.message


def brouillon_vide():
    return {"step": None, "step_data": {}, "step_files": {}, "extra_data": {}}


class StockageBrouillon(BaseStorage):
    """Stockage formtools adossé au brouillon JSON d'une ligne (et non à la session).

    Les sous-classes écrivent la ligne dans `ecrire(version_attendue)` et renvoient la nouvelle version ;
    `conflit` : l'exception (et son message) quand la version lue est dépassée.
    """

    conflit = ConflitDeVersion

    def __init__(self, prefix, request=None, file_storage=None, *, objet):
        super().__init__(prefix, request, file_storage)
        self.objet = objet
        # Étapes touchées par cette requête : seules leurs colonnes sont recalculées (validées) à l'écriture.
        self.etapes_modifiees = set()
        self.data = brouillon_vide()
        self.data.update(copy.deepcopy(objet.brouillon or {}))

    def reset(self):
        # formtools vide le stockage après done() : la ligne garde ses colonnes, rien à faire ici.
        self.init_data()

    def update_response(self, response):
        # Les écritures sont explicites (enregistrer), jamais implicites en fin de requête.
        return None

    def fusionner(self, etape, donnees, remplacer=False):
        """Range des données brutes (non validées) dans l'étape ; `remplacer` pour un formulaire complet."""
        actuelles = {} if remplacer else dict(self.data["step_data"].get(etape) or {})
        actuelles.update(donnees)
        self.data["step_data"][etape] = actuelles
        self.data["step"] = etape
        self.etapes_modifiees.add(etape)

    def enregistrer(self, version_attendue):
        try:
            version_attendue = int(version_attendue)
        except (TypeError, ValueError):
            raise self.conflit from None
        nouvelle = self.ecrire(version_attendue)
        self.objet.version = nouvelle
        return nouvelle

    def ecrire(self, version_attendue):
        raise NotImplementedError


def donnees_brutes(formulaire, etape, donnees):
    """Les seules valeurs de `donnees` (QueryDict) qui appartiennent aux champs de l'étape, en listes bornées."""
    resultat = {}
    for nom in formulaire.base_fields:
        cle = f"{etape}-{nom}"
        if cle in donnees:
            resultat[cle] = [nettoyer_pour_brouillon(str(v)[:LONGUEUR_MAX_BRUTE]) for v in donnees.getlist(cle)]
    return resultat


def valeurs_brutes(formulaire, etape, brutes):
    """Valeurs initiales d'un formulaire affiché sans validation, reprises de la saisie brute du brouillon."""
    return {nom: brutes.get(f"{etape}-{nom}") for nom in formulaire.base_fields if f"{etape}-{nom}" in brutes}


def ecrire_si_version(lignes, version_attendue, brouillon, colonnes):
    """UPDATE conditionnel de `lignes` (déjà filtrées : clé, statut…) à la version lue ; True si écrit."""
    return (
        lignes.filter(version=version_attendue).update(
            brouillon=brouillon, version=F("version") + 1, modifie_le=timezone.now(), **colonnes
        )
        == 1
    )


# --- Réponses de l'enregistrement automatique (JSON lu par static/js/brouillon.js) -----------------


def reponse_conflit(conflit):
    return JsonResponse({"motif": "conflit", "erreur": str(conflit)}, status=409)


def reponse_etape_inconnue():
    return JsonResponse({"motif": "etape", "erreur": "Étape inconnue."}, status=400)


def reponse_enregistree(version, libelle):
    """`libelle` : début du message, par exemple « Brouillon enregistré »."""
    heure = timezone.localtime().strftime("%H:%M")
    return JsonResponse({"version": version, "heure": heure, "message": f"{libelle} à {heure}"})


def message_ajout(request, ajoutes):
    if ajoutes:
        pluriel = "s" if ajoutes > 1 else ""
        messages.success(request, f"{ajoutes} document{pluriel} ajouté{pluriel}.")


def veut_json(request):
    return request.headers.get("Accept") == "application/json"


def reponse_json_televersement(request, ajoutes, erreurs, url):
    """Envoi en arrière-plan (televersement.js) : messages rangés pour la page rechargée ensuite."""
    for erreur in erreurs:
        messages.error(request, erreur)
    return JsonResponse({"ajoutes": ajoutes, "erreurs": erreurs, "url": url}, status=400 if erreurs else 200)


# --- Session expirée pendant la saisie ---------------------------------------------------------------


def garder_la_saisie(request, assistant, kwargs):
    """Garde la saisie postée pour une étape de `assistant` (bornée, voir portail/saisie_conservee.py) ;
    renvoie l'adresse de l'étape où la reprendre."""
    formulaires = dict(assistant.form_list)
    etape = kwargs.get("step") or request.POST.get("etape")
    if etape not in formulaires:
        etape = next(iter(formulaires))
    cle = str(kwargs[assistant.cle_url])
    if request.method == "POST":
        saisie_conservee.conserver(
            request,
            assistant=assistant.prefixe,
            cle=cle,
            etape=etape,
            donnees=saisie_conservee.valeurs_bornees(formulaires[etape], etape, request.POST),
        )
    return reverse(assistant.nom_url, kwargs={assistant.cle_url: cle, "step": etape})


def avec_saisie_conservee(assistant, vue, enregistrement_automatique):
    """Enveloppe d'une vue d'assistant : garde de l'assistant (rôle) pour une personne connectée ; sinon la
    saisie postée est conservée dans la session puis rejouée dans le brouillon dès la reconnexion."""

    vue_protegee = assistant.garde(vue)

    @login_not_required
    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if request.user.is_authenticated:
            return vue_protegee(request, *args, **kwargs)
        suite = garder_la_saisie(request, assistant, kwargs)
        if enregistrement_automatique and request.method == "POST":
            return JsonResponse(
                {
                    "motif": "session",
                    "erreur": "Votre session a expiré. Votre saisie est conservée : reconnectez-vous pour "
                    "l’enregistrer.",
                    "connexion": redirect_to_login(suite)["Location"],
                },
                status=401,
            )
        return redirect_to_login(suite)

    # Lus par la page d'échec CSRF (portail.views.echec_csrf) pour garder la saisie de la même façon.
    enveloppe.assistant = assistant
    enveloppe.enregistrement_automatique = enregistrement_automatique
    return enveloppe


def garder_la_saisie_refusee(request):
    """Échec CSRF sur une vue d'assistant (jeton périmé : la personne s'est reconnectée dans un autre onglet) :
    la saisie est gardée comme après une expiration de session. Renvoie (adresse de l'étape ou None,
    enregistrement automatique ?)."""
    try:
        correspondance = resolve(request.path_info)
    except Resolver404:
        return None, False
    assistant = getattr(correspondance.func, "assistant", None)
    if assistant is None or assistant.cle_url not in correspondance.kwargs:
        return None, False
    return garder_la_saisie(request, assistant, correspondance.kwargs), correspondance.func.enregistrement_automatique


# --- Le moteur -----------------------------------------------------------------------------------------


class Assistant(NamedUrlWizardView):
    """Boucle commune des assistants (voir le module). Une sous-classe définit ses attributs et ses crochets."""

    form_list = ()  # [(étape, formulaire)]
    prefixe = None  # préfixe formtools, et nom de l'assistant dans la saisie conservée
    nom_url = None  # URL d'une étape (kwargs : cle_url, step)
    nom_url_brouillon = None  # URL de l'enregistrement automatique (args : la clé)
    cle_url = "pk"
    etape_finale = None  # étape sans formulaire qui termine l'assistant (récapitulatif, confirmation)
    titre_etape_finale = ""  # si elle compte dans l'indicateur d'étapes
    etape_pieces = None  # étape qui reçoit des documents
    libelle_pieces = "Pièces justificatives"  # dans le résumé d'erreurs
    libelle_enregistre = "Brouillon enregistré"
    titre_conflit = "Brouillon modifié ailleurs"
    message_session = "Votre session a expiré. Reconnectez-vous pour continuer."
    message_quitter = ""
    url_quitter = None
    garde = staticmethod(lambda vue: vue)  # décorateur de vue : rôle requis
    enregistrement_automatique = False

    # -- Entrées ------------------------------------------------------------------------------------

    @classmethod
    def as_view(cls, **initkwargs):
        initkwargs.setdefault("url_name", cls.nom_url)
        initkwargs.setdefault("done_step_name", cls.etape_finale)
        vue = super().as_view(**initkwargs)
        return never_cache(avec_saisie_conservee(cls, vue, initkwargs.get("enregistrement_automatique", False)))

    @classmethod
    def vue_brouillon(cls):
        """Vue de l'enregistrement automatique : données brutes, sans validation, refusées si la version lue
        est dépassée."""
        return cls.as_view(enregistrement_automatique=True)

    def dispatch(self, request, *args, **kwargs):
        self.objet = self.charger(request, kwargs[self.cle_url])
        indisponible = self.indisponible()
        if indisponible is not None:
            return self.refuser(indisponible)
        # On saute WizardView.dispatch (qui crée un stockage de session) : le brouillon est le stockage.
        self.prefix = self.prefixe
        self.storage = self.creer_stockage()
        self.steps = StepsHelper(self)
        if self.enregistrement_automatique:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return self.enregistrer_automatiquement()
        return TemplateView.dispatch(self, request, *args, **kwargs)

    # -- Crochets des applications -------------------------------------------------------------------

    def charger(self, request, cle):
        """L'objet du brouillon, dans la portée de la personne (404 sinon)."""
        raise NotImplementedError

    def indisponible(self):
        """Une exception `BrouillonIndisponible` si le brouillon ne peut plus être modifié, sinon None."""
        return None

    def creer_stockage(self):
        raise NotImplementedError

    def url_refus(self, refus):
        """Où mener la personne quand le brouillon est indisponible."""
        raise NotImplementedError

    def valeurs_initiales(self, step):
        """Valeurs affichées avant toute saisie (colonnes de l'objet, compte de la personne)."""
        return {}

    def retirer_piece(self, identifiant):
        """Retire un document (lève BrouillonIndisponible si c'est trop tard) ; renvoie son nom."""
        raise Http404

    def televerser(self):
        """Documents postés : (nombre ajouté, erreurs en français). Lève BrouillonIndisponible si trop tard."""
        return 0, []

    def contexte_etape(self, step, form):
        return {}

    def afficher_fin(self):
        raise Http404

    def terminer(self):
        raise Http404

    def apres_etape_valide(self, step, form):
        suivante = self.get_next_step(step)
        return redirect(self.get_step_url(suivante or self.etape_finale))

    # -- Boucle commune -------------------------------------------------------------------------------

    def cle(self):
        return getattr(self.objet, self.cle_url)

    def get_step_url(self, step):
        return reverse(self.nom_url, kwargs={self.cle_url: self.cle(), "step": step})

    def refuser(self, refus):
        if self.enregistrement_automatique:
            return JsonResponse(
                {"motif": refus.motif, "erreur": refus.message, "url": self.url_refus(refus), "lien": refus.lien},
                status=409,
            )
        messages.add_message(self.request, refus.niveau, getattr(refus, "message_page", "") or refus.message)
        return redirect(self.url_refus(refus))

    def donnees_brutes(self, step, donnees):
        return donnees_brutes(self.form_list[step], step, donnees)

    def get_form_initial(self, step):
        initial = {k: v for k, v in self.valeurs_initiales(step).items() if v not in (None, "")}
        # Le formulaire affiché sans validation reprend la saisie brute du brouillon.
        initial.update(valeurs_brutes(self.form_list[step], step, self.storage.get_step_data(step) or {}))
        return initial

    def formulaire(self, step, valider=False):
        if not valider:
            return self.get_form(step)
        donnees = self.storage.get_step_data(step) or {}
        if not donnees:
            # Étape jamais enregistrée : on valide les valeurs pré-remplies.
            donnees = MultiValueDict({f"{step}-{k}": [str(v)] for k, v in self.get_form_initial(step).items()})
        return self.get_form(step, data=donnees)

    def formulaires_valides(self):
        """Revalide chaque étape depuis le brouillon ; renvoie (formulaires, première étape invalide)."""
        valides = {}
        for step in self.form_list:
            form = self.formulaire(step, valider=True)
            if not form.is_valid():
                return valides, step
            valides[step] = form
        return valides, None

    def verifier_les_etapes(self, message):
        """Avant la fin de l'assistant : (formulaires validés, None), ou (…, redirection vers la première étape
        à corriger, erreurs affichées, avec `message`)."""
        valides, invalide = self.formulaires_valides()
        if invalide is None:
            return valides, None
        messages.error(self.request, message)
        return valides, redirect(self.get_step_url(invalide) + "?verifier=1")

    def get(self, request, *args, **kwargs):
        step = kwargs["step"]
        if step == self.etape_finale:
            return self.afficher_fin()
        if step not in self.form_list:
            raise Http404
        self.rejouer_saisie_en_attente()
        self.storage.current_step = step
        return self.render(self.formulaire(step, valider="verifier" in request.GET))

    def rejouer_saisie_en_attente(self):
        saisie = saisie_conservee.reprendre(self.request, assistant=self.prefixe, cle=str(self.cle()))
        if not saisie or saisie.get("etape") not in self.form_list:
            return
        self.storage.fusionner(saisie["etape"], saisie["donnees"])
        try:
            self.storage.enregistrer(self.objet.version)
        except (ConflitDeVersion, BrouillonIndisponible):
            return
        messages.success(
            self.request, "Votre saisie, envoyée pendant que votre session avait expiré, a été enregistrée."
        )

    def post(self, request, *args, **kwargs):
        step = kwargs["step"]
        if step == self.etape_finale:
            return self.terminer()
        if step not in self.form_list:
            raise Http404
        self.storage.current_step = step
        self.storage.fusionner(step, self.donnees_brutes(step, request.POST), remplacer=True)
        form = self.get_form(step, data=request.POST)
        try:
            self.storage.enregistrer(request.POST.get("version"))
            if step == self.etape_pieces:
                reponse = self.traiter_pieces(form)
                if reponse is not None:
                    return reponse
        except ConflitDeVersion as conflit:
            form.full_clean()
            return self.render(form, conflit=str(conflit), status=409)
        except BrouillonIndisponible as refus:
            return self.refuser(refus)

        retour = request.POST.get("wizard_goto_step")
        if retour in self.form_list:
            return redirect(self.get_step_url(retour))
        if request.POST.get("action") == "quitter":
            messages.success(request, self.message_quitter)
            return redirect(self.url_quitter)
        if not form.is_valid():
            return self.render(form, status=400)
        return self.apres_etape_valide(step, form)

    def traiter_pieces(self, form):
        """Retrait d'un document, ou ajout des documents postés ; None pour poursuivre le POST de l'étape."""
        request = self.request
        retour = redirect(self.get_step_url(self.etape_pieces))
        a_retirer = request.POST.get("retirer_piece")
        if a_retirer:
            nom = self.retirer_piece(a_retirer if a_retirer.isdigit() else 0)
            messages.success(request, f"Le document « {nom} » a été retiré.")
            return retour
        ajoutes, erreurs = self.televerser()
        message_ajout(request, ajoutes)
        televerser = request.POST.get("action") == "televerser"
        if veut_json(request):
            return reponse_json_televersement(request, ajoutes, erreurs, retour["Location"])
        if erreurs:
            self.erreurs_pieces = erreurs
            self.objet.refresh_from_db(fields=["version"])
            return self.render(self.get_form(self.etape_pieces) if televerser else form, status=400)
        return retour if televerser else None

    def enregistrer_automatiquement(self):
        etape = self.request.POST.get("etape")
        if etape not in self.form_list:
            return reponse_etape_inconnue()
        self.storage.fusionner(etape, self.donnees_brutes(etape, self.request.POST))
        try:
            version = self.storage.enregistrer(self.request.POST.get("version"))
        except ConflitDeVersion as conflit:
            return reponse_conflit(conflit)
        except BrouillonIndisponible as refus:
            return self.refuser(refus)
        return reponse_enregistree(version, self.libelle_enregistre)

    # -- Affichage ------------------------------------------------------------------------------------

    def titres(self):
        titres = {etape: formulaire.titre for etape, formulaire in self.form_list.items()}
        if self.titre_etape_finale:
            titres[self.etape_finale] = self.titre_etape_finale
        return titres

    def contexte_indicateur(self, step):
        """Indicateur d'étapes DSFR et navigation entre les étapes."""
        titres = self.titres()
        ordre = list(titres)
        index = ordre.index(step)
        return {
            "etape": step,
            "numero_etape": index + 1,
            "nombre_etapes": len(ordre),
            "titre_etape": titres[step],
            "titre_suivant": titres[ordre[index + 1]] if index + 1 < len(ordre) else "",
            "etape_precedente": ordre[index - 1] if index else "",
            "derniere_etape": index + 1 == len(ordre),
            "etapes_nav": [
                {"nom": e, "titre": t, "url": self.get_step_url(e), "courante": e == step} for e, t in titres.items()
            ],
        }

    def render(self, form=None, conflit=None, status=200, **kwargs):
        context = self.get_context_data(form=form, **kwargs)
        context["conflit"] = conflit
        return self.render_to_response(context, status=status)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        erreurs_pieces = getattr(self, "erreurs_pieces", [])
        resume = [{"id": "pieces", "libelle": self.libelle_pieces, "message": e} for e in erreurs_pieces]
        context.update(self.contexte_indicateur(step))
        context.update(
            objet=self.objet,
            version=self.objet.version,
            groupes=form.groupes_affiches(),
            resume_erreurs=resume + form.resume_erreurs(cible_du_champ),
            url_brouillon=reverse(self.nom_url_brouillon, args=[self.cle()]),
            conflit=None,
            titre_conflit=self.titre_conflit,
            message_session=self.message_session,
            etape_pieces=self.etape_pieces,
            erreurs_pieces=erreurs_pieces,
        )
        context.update(self.contexte_etape(step, form))
        return context
