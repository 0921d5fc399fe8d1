"""Formulaires d'allauth habillés au DSFR, libellés en français (déclarés dans ACCOUNT_FORMS)."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter

from portail.comptes.utils import adresse_deja_prise, comptes_par_courriel
from portail.formulaires import FormulaireDsfr, ListeErreursDsfr

AIDE_COURRIEL = "Format attendu : nom@domaine.fr"
AIDE_MOT_DE_PASSE = "Au moins 12 caractères ; évitez les mots de passe courants ou uniquement composés de chiffres."


def _champ_courriel(champ):
    champ.label = "Adresse électronique"
    champ.help_text = AIDE_COURRIEL
    champ.widget.attrs["autocomplete"] = "email"
    champ.widget.attrs["spellcheck"] = "false"


def _nouveau_mot_de_passe(champ, libelle="Mot de passe"):
    champ.label = libelle
    champ.help_text = AIDE_MOT_DE_PASSE
    champ.widget.attrs["autocomplete"] = "new-password"


def _confirmation(champ, libelle="Confirmation du mot de passe"):
    champ.label = libelle
    champ.help_text = "Saisissez à nouveau le mot de passe."
    champ.widget.attrs["autocomplete"] = "new-password"


class MixinDsfr(FormulaireDsfr):
    """Rendu DSFR des formulaires allauth ; les sous-classes adaptent leurs champs dans `personnaliser_champs()`."""

    classe_erreurs = ListeErreursDsfr
    use_required_attribute = True

    def habiller_de_nouveau(self):
        for champ in self.fields.values():
            champ.template_name = "account/_champ.html"
        super().habiller_de_nouveau()


class FormulaireConnexion(MixinDsfr, allauth_forms.LoginForm):
    def personnaliser_champs(self):
        _champ_courriel(self.fields["login"])
        self.fields["password"].label = "Mot de passe"
        self.fields["password"].help_text = ""


class FormulaireInscription(MixinDsfr, allauth_forms.SignupForm):
    def personnaliser_champs(self):
        _champ_courriel(self.fields["email"])
        _nouveau_mot_de_passe(self.fields["password1"])
        _confirmation(self.fields["password2"])

    def validate_unique_email(self, value):
        # Unicité sur les seuls comptes par courriel (EmailAddress) et identifiants : une adresse
        # portée par un compte FranceConnect ou ProConnect ne bloque pas l'inscription. Avec
        # ACCOUNT_PREVENT_ENUMERATION, une adresse déjà prise ne produit aucune erreur visible :
        # allauth envoie un courriel « compte existant » et affiche la même page.
        self.account_already_exists = adresse_deja_prise(value)
        return get_adapter().validate_unique_email(value)


class FormulaireReinitialisation(MixinDsfr, allauth_forms.ResetPasswordForm):
    def personnaliser_champs(self):
        _champ_courriel(self.fields["email"])

    def clean_email(self):
        email = super().clean_email()
        # Seuls les comptes par courriel actifs peuvent recevoir un lien (jamais un agent ni un
        # compte FranceConnect qui partagerait l'adresse) ; sinon, courriel « compte inconnu ».
        self.users = [u for u in comptes_par_courriel(email) if u.is_active]
        return email


class FormulaireNouveauMotDePasse(MixinDsfr, allauth_forms.ResetPasswordKeyForm):
    def personnaliser_champs(self):
        _nouveau_mot_de_passe(self.fields["password1"], "Nouveau mot de passe")
        _confirmation(self.fields["password2"])


class FormulaireChangementMotDePasse(MixinDsfr, allauth_forms.ChangePasswordForm):
    def personnaliser_champs(self):
        self.fields["oldpassword"].label = "Mot de passe actuel"
        self.fields["oldpassword"].help_text = ""
        _nouveau_mot_de_passe(self.fields["password1"], "Nouveau mot de passe")
        _confirmation(self.fields["password2"])


class FormulaireAjoutAdresse(MixinDsfr, allauth_forms.AddEmailForm):
    def personnaliser_champs(self):
        _champ_courriel(self.fields["email"])
