"""Normalisation de la saisie sur tous les formulaires (issue 11, item 6)."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from portail.saisie import NormalisationSaisieMixin, verifier_saisie

APPLICATIONS = ["portail", "usagers", "declarations", "precontentieux", "faq"]


def classes_de_formulaires():
    """Toutes les classes de formulaires définies dans le code du projet (tous modules importés)."""
    for application in APPLICATIONS:
        paquet = importlib.import_module(application)
        for module in pkgutil.walk_packages(paquet.__path__, f"{application}."):
            if ".migrations" in module.name or module.name.endswith((".tests", ".settings.prod")):
                continue
            importlib.import_module(module.name)
    vues = set()

    def parcourir(classe):
        for sous_classe in classe.__subclasses__():
            if sous_classe not in vues:
                vues.add(sous_classe)
                yield sous_classe
                yield from parcourir(sous_classe)

    return sorted(
        (
            c
            for c in parcourir(forms.BaseForm)
            if c.__module__.split(".")[0] in APPLICATIONS
            # Base de ModelForm sans modèle (FormulaireAdmin) : vérifiée par le test de l'administration.
            and not (issubclass(c, forms.BaseModelForm) and c._meta.model is None)
        ),
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def _contextes():
    from precontentieux.models import Dossier
    from precontentieux.workflow import TRANSITIONS
    from usagers.eligibilite import QUESTIONS

    return {
        "QuestionForm": [{"question": question} for question in list(QUESTIONS.values())[:1]],
        "ActionForm": [{"transition": TRANSITIONS["cloturer"]}],
        "AttributionForm": [{"dossier": Dossier(), "reattribution": True}],
        "DemandeComplementsForm": [{"dossier": Dossier()}],
        "IndemnisationForm": [{"dossier": Dossier()}],
        "PropositionForm": [{"dossier": Dossier()}],
    }


CONTEXTES = _contextes()


def instancier(classe, donnees):
    """Instancie le formulaire avec ses arguments de contexte usuels."""
    requete = RequestFactory().post("/")
    from django.contrib.auth.models import AnonymousUser

    requete.user = AnonymousUser()
    requete.session = {}
    essais = [{}, {"request": requete}, {"user": None}, *CONTEXTES.get(classe.__name__, [])]
    signature = inspect.signature(classe.__init__)
    erreur = None
    for extra in essais:
        try:
            return classe(data=donnees, **extra)
        except TypeError as e:  # argument de contexte manquant ou inattendu
            erreur = e
    raise AssertionError(f"{classe} : impossible d'instancier ({signature}) : {erreur}")


CLASSES = classes_de_formulaires()


def test_tous_les_formulaires_sont_trouves():
    noms = {c.__name__ for c in CLASSES}
    assert {"FormulaireConnexion", "EtapeInformationsForm", "EtapeBrisDePorteForm", "InvitationUsagerForm"} <= noms


@pytest.mark.django_db
@pytest.mark.parametrize("classe", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
@pytest.mark.parametrize(("caractere", "code"), [("\u202e", "caractere_bidi"), ("\x00", "caractere_controle")])
def test_chaque_formulaire_refuse_nul_et_inversion_de_sens(classe, caractere, code):
    assert issubclass(classe, NormalisationSaisieMixin), f"{classe} n'applique pas la normalisation de la saisie"
    formulaire = instancier(classe, {})
    champs = [nom for nom, champ in formulaire.fields.items() if not champ.disabled]
    if not champs:
        # Classe de base sans champ (EtapeForm, FormulaireDsfr…) : ses sous-classes, qui ont des champs, sont
        # vérifiées par ce même test ; ici seule l'application du mixin compte (affirmée plus haut).
        return
    donnees = {}
    for nom in champs:
        champ_lie = formulaire[nom]
        donnees[champ_lie.html_name] = f"abc{caractere}def"
    formulaire = instancier(classe, donnees)
    assert not formulaire.is_valid()
    for nom in champs:
        erreurs = formulaire.errors.as_data().get(nom, [])
        assert [e.code for e in erreurs] == [code], (nom, formulaire.errors.get(nom))


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ("Cafe\u0301", "Café"),  # NFD → NFC
        ("Ligne 1\nLigne 2", None),
        ("Jean\u202eluaP", "caractere_bidi"),
        ("\u2066x", "caractere_bidi"),
        ("a\u200fb", "caractere_bidi"),
        ("a\x00b", "caractere_controle"),
        ("a\x1bb", "caractere_controle"),
    ],
)
def test_verifier_saisie(valeur, attendu):
    if attendu in {"caractere_bidi", "caractere_controle"}:
        with pytest.raises(ValidationError) as erreur:
            verifier_saisie(valeur, multiligne=True)
        assert erreur.value.code == attendu
        assert "Retapez votre saisie" in erreur.value.messages[0]
    elif attendu is None:
        assert verifier_saisie(valeur, multiligne=True) == valeur
        with pytest.raises(ValidationError):
            verifier_saisie(valeur)  # champ d'une seule ligne
    else:
        assert verifier_saisie(valeur) == attendu


def test_chiffres_non_ascii_refuses_dans_les_champs_numeriques():
    class Formulaire(NormalisationSaisieMixin, forms.Form):
        montant = forms.DecimalField()
        nombre = forms.IntegerField()

    formulaire = Formulaire(data={"montant": "１２3", "nombre": "٣"})
    assert not formulaire.is_valid()
    assert formulaire.errors["montant"] == [
        "Saisissez les chiffres de 0 à 9 (les chiffres d’une autre écriture ne sont pas acceptés)."
    ]
    assert "nombre" in formulaire.errors
    assert Formulaire(data={"montant": "12.5", "nombre": "3"}).is_valid()


@pytest.mark.django_db
def test_les_formulaires_de_l_administration_normalisent_la_saisie(admin_user):
    from django.contrib import admin

    requete = RequestFactory().get("/admin/")
    requete.user = admin_user
    verifies = []
    for modele, modele_admin in admin.site._registry.items():
        if modele._meta.app_label not in APPLICATIONS:
            continue
        formulaires = [modele_admin.get_form(requete)]
        formulaires += [inline.get_formset(requete).form for inline in modele_admin.get_inline_instances(requete)]
        for formulaire in formulaires:
            assert issubclass(formulaire, NormalisationSaisieMixin), (modele, formulaire)
            verifies.append(formulaire)
    assert len(verifies) >= 8
