"""Test d'éligibilité public (sans invitation) : questions progressives, une par page, réponses en session.

Les règles de décision tiennent dans deux fonctions pures, `parcours` (quelles questions poser) et
`evaluer` (le résultat) ; les vues ne font qu'afficher, enregistrer et rediriger. Règles : docs/eligibilite.md.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from portail.cache import page_publique
from portail.formulaires import FormulaireDsfr
from precontentieux.pieces import AIDE_DOCUMENT_FORCES_DE_L_ORDRE

# Clés de session : les réponses en cours, et le résultat que la création de demande peut relire.
CLE_SESSION_REPONSES = "eligibilite_reponses"
CLE_SESSION_RESULTAT = "eligibilite_resultat"

# Statut par rapport au logement
PROPRIETAIRE_OCCUPANT = "proprietaire_occupant"
LOCATAIRE = "locataire"
PROPRIETAIRE_BAILLEUR = "proprietaire_bailleur"
PERSONNE_MORALE = "personne_morale"
OCCUPANTS = {PROPRIETAIRE_OCCUPANT, LOCATAIRE}

OUI, NON, NE_SAIT_PAS = "oui", "non", "ne_sait_pas"
ATTESTATION, SANS_ATTESTATION, NON_CONTACTE, SANS_ASSURANCE = (
    "attestation",
    "contacte_sans_attestation",
    "non",
    "sans_assurance",
)

# Issues du test
ELIGIBLE = "eligible"
INCOMPLET = "incomplet"
NON_ELIGIBLE = "non_eligible"


@dataclass(frozen=True)
class Choix:
    valeur: str
    libelle: str
    aide: str = ""


@dataclass(frozen=True)
class Question:
    cle: str
    libelle: str
    aide: str
    choix: tuple
    message_requis: str


QUESTIONS = {
    q.cle: q
    for q in (
        Question(
            "statut",
            "Quelle est votre situation par rapport au logement dont la porte a été endommagée ?",
            "Si vous représentez une société ou un organisme, choisissez « Bailleur social ou personne morale ».",
            (
                Choix(PROPRIETAIRE_OCCUPANT, "Propriétaire occupant", "Vous êtes propriétaire et vous y habitez."),
                Choix(LOCATAIRE, "Locataire", "Vous louez le logement et vous y habitez."),
                Choix(
                    PROPRIETAIRE_BAILLEUR,
                    "Propriétaire bailleur",
                    "Vous êtes propriétaire, à titre personnel, d’un logement que vous louez.",
                ),
                Choix(
                    PERSONNE_MORALE,
                    "Bailleur social ou personne morale",
                    "Organisme HLM, société civile immobilière (SCI), syndic, entreprise, association…",
                ),
            ),
            "Indiquez votre situation par rapport au logement.",
        ),
        Question(
            "personne_recherchee",
            "Étiez-vous la personne recherchée par les forces de l’ordre ?",
            "Par exemple, la personne visée par la perquisition ou l’interpellation.",
            (Choix(OUI, "Oui"), Choix(NON, "Non"), Choix(NE_SAIT_PAS, "Je ne sais pas")),
            "Indiquez si vous étiez la personne recherchée par les forces de l’ordre.",
        ),
        Question(
            "domicile",
            "La personne recherchée réside-t-elle ou est-elle hébergée à votre domicile ?",
            "Même pour quelques jours, au moment de l’intervention.",
            (Choix(OUI, "Oui"), Choix(NON, "Non"), Choix(NE_SAIT_PAS, "Je ne sais pas")),
            "Indiquez si la personne recherchée réside ou est hébergée à votre domicile.",
        ),
        Question(
            "assurance",
            "Avez-vous contacté votre assureur ?",
            "Votre assurance habitation peut couvrir le bris de porte. Si elle ne le couvre pas, elle vous remet "
            "une attestation de non prise en charge, à joindre à votre demande.",
            (
                Choix(ATTESTATION, "Oui, et j’ai l’attestation de non prise en charge"),
                Choix(SANS_ATTESTATION, "J’ai contacté mon assureur mais je n’ai pas encore l’attestation"),
                Choix(NON_CONTACTE, "Non, je ne l’ai pas encore contacté"),
                Choix(SANS_ASSURANCE, "Je n’ai pas d’assurance pour ce logement"),
            ),
            "Indiquez si vous avez contacté votre assureur.",
        ),
        Question(
            "bailleur",
            "Avez-vous prévenu votre bailleur du bris de porte ?",
            "Votre propriétaire ou l’organisme qui vous loue le logement.",
            (Choix(OUI, "Oui"), Choix(NON, "Non")),
            "Indiquez si vous avez prévenu votre bailleur.",
        ),
    )
}
PREMIERE_QUESTION = "statut"


@dataclass(frozen=True)
class Resultat:
    issue: str
    motifs: list = field(default_factory=list)  # pourquoi, en phrases simples
    a_obtenir: list = field(default_factory=list)  # (titre, explication) à obtenir avant de déposer
    a_preparer: list = field(default_factory=list)  # pièces à préparer (indicatif : la demande fait foi)
    personne_morale: bool = False


class ReponsesIncompletes(ValueError):
    pass


def _valide(cle, reponses):
    valeur = reponses.get(cle)
    return valeur if valeur in {c.valeur for c in QUESTIONS[cle].choix} else None


def parcours(reponses):
    """Questions à poser, dans l'ordre, selon les réponses déjà données (s'arrête après une réponse excluante)."""
    questions = ["statut"]
    statut = _valide("statut", reponses)
    if statut is None:
        return questions
    if statut != PERSONNE_MORALE:
        questions.append("personne_recherchee")
        recherchee = _valide("personne_recherchee", reponses)
        if recherchee in (None, OUI):
            return questions
    if statut in OCCUPANTS:
        questions.append("domicile")
        domicile = _valide("domicile", reponses)
        if domicile in (None, OUI):
            return questions
    questions.append("assurance")
    if statut == LOCATAIRE:
        questions.append("bailleur")
    return questions


def nettoyer(reponses):
    """Ne garde que les réponses valides aux questions qui se posent encore."""
    reponses = {cle: valeur for cle, valeur in reponses.items() if cle in QUESTIONS and _valide(cle, reponses)}
    questions = parcours(reponses)
    return {cle: valeur for cle, valeur in reponses.items() if cle in questions}


def question_suivante(reponses):
    """Première question sans réponse, ou None si le test est terminé."""
    reponses = nettoyer(reponses)
    return next((cle for cle in parcours(reponses) if cle not in reponses), None)


def pieces_a_preparer(statut, assurance):
    """Aperçu des pièces à préparer. Indicatif : la table des pièces de la demande (precontentieux/pieces.py) fait foi."""
    # Sans assurance (SANS_ASSURANCE), rien ne remplace l'attestation de l'assureur (table des pièces).
    pieces = [
        "des photos de la porte endommagée ;",
        "la facture acquittée de la réparation (elle prouve aussi le paiement), ou un devis si la porte n’est pas "
        "encore réparée ;",
        "un relevé d’identité bancaire (RIB) au nom de la personne qui demande l’indemnisation ;",
    ]
    if statut == PERSONNE_MORALE:
        pieces += [
            "la pièce d’identité du représentant légal ou de la personne qui signe la demande ;",
            "un extrait Kbis ou les statuts, et le pouvoir de la personne qui signe la demande ;",
        ]
    else:
        pieces.append("une pièce d’identité ;")
    if statut in (PROPRIETAIRE_OCCUPANT, PROPRIETAIRE_BAILLEUR, PERSONNE_MORALE):
        pieces.append(
            "un justificatif de propriété (titre de propriété, attestation notariée ou avis de taxe foncière) ;"
        )
    if statut == LOCATAIRE:
        pieces.append("votre bail et une attestation de votre bailleur ;")
    if assurance == ATTESTATION:
        pieces.append("l’attestation de non prise en charge de votre assureur ;")
    pieces.append(
        "un document remis par les policiers ou les gendarmes (attestation, procès-verbal, récépissé, avis de "
        "passage…) : il est obligatoire pour une demande faite sans courriel d’invitation."
    )
    return pieces


def evaluer(reponses):
    """Résultat du test pour des réponses complètes : éligible, incomplet ou non éligible, avec ses raisons."""
    reponses = nettoyer(reponses)
    if question_suivante(reponses) is not None:
        raise ReponsesIncompletes(question_suivante(reponses))
    statut = reponses["statut"]
    personne_morale = statut == PERSONNE_MORALE

    if reponses.get("personne_recherchee") == OUI:
        return Resultat(
            NON_ELIGIBLE,
            motifs=[
                "L’indemnisation par ce service est réservée aux personnes étrangères à l’opération des forces de "
                "l’ordre. Vous avez indiqué être la personne recherchée : ce service ne peut donc pas prendre en "
                "charge votre demande."
            ],
        )
    if reponses.get("domicile") == OUI:
        return Resultat(
            NON_ELIGIBLE,
            motifs=[
                "L’indemnisation par ce service est réservée aux cas où le logement n’était pas lié à l’opération. "
                "Vous avez indiqué que la personne recherchée réside ou est hébergée chez vous : l’intervention "
                "visait donc bien votre domicile, et ce service ne peut pas prendre en charge votre demande."
            ],
        )

    motifs, a_obtenir = [], []
    if reponses.get("personne_recherchee") == NE_SAIT_PAS or reponses.get("domicile") == NE_SAIT_PAS:
        motifs.append(
            "Vous ne savez pas tout des circonstances de l’intervention : ce n’est pas un obstacle. Le ministère "
            "de la Justice vérifiera ces éléments auprès des forces de l’ordre lors de l’examen de votre demande."
        )
    if statut in (PROPRIETAIRE_BAILLEUR, PERSONNE_MORALE):
        motifs.append(
            "En tant que propriétaire d’un logement que vous n’occupez pas, vous êtes étranger à l’opération, "
            "même si la personne recherchée était votre locataire."
        )
    assurance = reponses["assurance"]
    if assurance == SANS_ATTESTATION:
        a_obtenir.append(
            (
                "L’attestation de non prise en charge de votre assureur",
                "Demandez à votre assureur un document écrit indiquant qu’il ne prend pas en charge la réparation "
                "de la porte. Elle est indispensable pour éviter d’être indemnisé deux fois.",
            )
        )
    elif assurance == NON_CONTACTE:
        a_obtenir.append(
            (
                "Contacter votre assureur",
                "Déclarez le bris de porte à votre assurance habitation : elle peut le prendre en charge. Si elle "
                "refuse, demandez-lui une attestation de non prise en charge, à joindre à votre demande.",
            )
        )
    elif assurance == SANS_ASSURANCE:
        motifs.append(
            "Vous n’avez pas d’assurance pour ce logement : répondez « Non » à la question « Le logement était-il "
            "assuré ? » de votre demande. Aucune attestation d’assurance ne vous sera alors demandée : "
            "l’attestation sur l’honneur que vous cocherez au dépôt vaut déclaration de cette absence d’assurance."
        )
    if reponses.get("bailleur") == NON:
        a_obtenir.append(
            (
                "Prévenir votre bailleur",
                "La porte appartient à votre propriétaire : prévenez-le du bris de porte et demandez-lui une "
                "attestation. Il a pu faire réparer la porte ou demander lui-même l’indemnisation.",
            )
        )
    return Resultat(
        INCOMPLET if a_obtenir else ELIGIBLE,
        motifs=motifs,
        a_obtenir=a_obtenir,
        a_preparer=pieces_a_preparer(statut, assurance),
        personne_morale=personne_morale,
    )


LIBELLES_ISSUE = {
    ELIGIBLE: "Éligible",
    INCOMPLET: "Éligible, avec des démarches à faire avant de déposer",
    NON_ELIGIBLE: "Non éligible",
}


def reponses_a_conserver(reponses):
    """Les réponses telles que l'usager les a lues (question et réponse en toutes lettres) et l'issue du test,
    conservées avec la demande (`Dossier.reponses_eligibilite`) pour la fiche du back-office. {} si incomplet."""
    reponses = nettoyer(reponses or {})
    if not reponses or question_suivante(reponses) is not None:
        return {}
    lignes = []
    for cle in parcours(reponses):
        question = QUESTIONS[cle]
        libelles = {c.valeur: c.libelle for c in question.choix}
        lignes.append({"cle": cle, "question": question.libelle, "reponse": libelles.get(reponses[cle], "")})
    return {"issue": LIBELLES_ISSUE[evaluer(reponses).issue], "reponses": lignes}


# ---------------------------------------------------------------------------------------------------------------
# Formulaire et vues


class QuestionForm(FormulaireDsfr):
    """Une question à choix unique ; le champ porte le nom de la question (ids : id_<cle>_0, …)."""

    def __init__(self, question, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields[question.cle] = forms.ChoiceField(
            label=question.libelle,
            help_text=question.aide,
            choices=[(c.valeur, c.libelle) for c in question.choix],
            widget=forms.RadioSelect,
            error_messages={
                "required": question.message_requis,
                "invalid_choice": "Choisissez l’une des réponses proposées.",
            },
        )

    def options(self):
        """Les boutons radio avec leur aide, pour le gabarit."""
        champ = self[self.question.cle]
        valeur = champ.value()
        return [
            {
                "id": f"{champ.auto_id}_{index}",
                "valeur": choix.valeur,
                "libelle": choix.libelle,
                "aide": choix.aide,
                "coche": valeur == choix.valeur,
            }
            for index, choix in enumerate(self.question.choix)
        ]


def _reponses(request):
    return nettoyer(request.session.get(CLE_SESSION_REPONSES, {}))


def _url_question(cle):
    return reverse("eligibilite:question", args=[cle])


@login_not_required
@require_http_methods(["GET", "POST"])
@page_publique
def debut(request):
    """Présentation du test ; « Commencer » efface les réponses précédentes."""
    if request.method == "POST":
        request.session.pop(CLE_SESSION_REPONSES, None)
        request.session.pop(CLE_SESSION_RESULTAT, None)
        return redirect(_url_question(PREMIERE_QUESTION))
    reponses = _reponses(request)
    suivante = question_suivante(reponses)
    url_reprise = _url_question(suivante) if suivante else reverse("eligibilite:resultat")
    return render(
        request,
        "usagers/eligibilite/debut.html",
        {"reprise": bool(reponses), "url_reprise": url_reprise, "url_premiere": _url_question(PREMIERE_QUESTION)},
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def question(request, cle):
    reponses = _reponses(request)
    questions = parcours(reponses)
    suivante = question_suivante(reponses)
    # Question inconnue, sans objet, ou située après une question encore sans réponse : retour au bon endroit.
    if cle not in questions or (suivante is not None and questions.index(cle) > questions.index(suivante)):
        return redirect(_url_question(suivante) if suivante else reverse("eligibilite:resultat"))
    q = QUESTIONS[cle]
    rang = questions.index(cle)
    if request.method == "POST":
        form = QuestionForm(q, request.POST)
        if form.is_valid():
            reponses[cle] = form.cleaned_data[cle]
            reponses = nettoyer(reponses)
            request.session[CLE_SESSION_REPONSES] = reponses
            request.session.pop(CLE_SESSION_RESULTAT, None)
            questions = parcours(reponses)
            rang = questions.index(cle)
            if rang + 1 < len(questions):
                return redirect(_url_question(questions[rang + 1]))
            return redirect("eligibilite:resultat")
    else:
        form = QuestionForm(q, initial={cle: reponses.get(cle)})
    precedente = _url_question(questions[rang - 1]) if rang > 0 else reverse("eligibilite:debut")
    return render(
        request,
        "usagers/eligibilite/question.html",
        {"form": form, "champ": form[cle], "question": q, "numero": rang + 1, "url_precedente": precedente},
    )


@login_not_required
@require_http_methods(["GET"])
def resultat(request):
    reponses = _reponses(request)
    suivante = question_suivante(reponses)
    if suivante is not None:
        return redirect(_url_question(suivante))
    res = evaluer(reponses)
    # Relu par la création de demande (espace usager) : survit à la connexion (même session).
    request.session[CLE_SESSION_RESULTAT] = {
        "issue": res.issue,
        "statut": reponses["statut"],
        "personne_morale": res.personne_morale,
        "reponses": reponses,
    }
    url_demande = reverse("usagers:nouvelle_demande")
    gabarits = {
        ELIGIBLE: "usagers/eligibilite/eligible.html",
        INCOMPLET: "usagers/eligibilite/incomplet.html",
        NON_ELIGIBLE: "usagers/eligibilite/non_eligible.html",
    }
    derniere = parcours(reponses)[-1]
    return render(
        request,
        gabarits[res.issue],
        {
            "resultat": res,
            "url_demande": url_demande,
            "url_modifier": _url_question(derniere),
            "est_usager": request.user.is_authenticated and request.user.est_usager,
            "aide_document_fdo": AIDE_DOCUMENT_FORCES_DE_L_ORDRE,
        },
    )


app_name = "eligibilite"
urlpatterns = [
    path("", debut, name="debut"),
    path("question/<slug:cle>/", question, name="question"),
    path("resultat/", resultat, name="resultat"),
]
