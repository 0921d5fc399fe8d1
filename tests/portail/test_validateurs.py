import pytest
from django.core.exceptions import ValidationError

from portail.validateurs import (
    iban_lisible,
    normaliser_iban,
    siret_valide,
    valider_code_postal,
    valider_iban,
    valider_siren,
    valider_siren_ou_siret,
    valider_siret,
    valider_telephone,
)


@pytest.mark.parametrize(
    "iban",
    [
        "FR7630006000011234567890189",
        "fr76 3000 6000 0112 3456 7890 189",
        "FR76-3000-6000-0112-3456-7890-189",
        "DE89370400440532013000",
        "BE68539007547034",
        "GB82WEST12345698765432",
    ],
)
def test_iban_valides(iban):
    valider_iban(iban)


def test_iban_normalise_et_lisible():
    assert normaliser_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert iban_lisible("FR7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"


@pytest.mark.parametrize(
    ("iban", "code", "extrait"),
    [
        ("FR7630006000011234567890188", "iban_cle", "clé de contrôle"),
        ("FR7730006000011234567890189", "iban_cle", "clé de contrôle"),
        ("FR763000600001123456789018", "iban_longueur", "27 caractères"),
        ("US12345678901234567890", "iban_pays", "SEPA"),
        ("1234", "iban_format", "FR76"),
        ("", "iban_format", "IBAN"),
    ],
)
def test_iban_invalides(iban, code, extrait):
    with pytest.raises(ValidationError) as erreur:
        valider_iban(iban)
    assert erreur.value.code == code
    assert extrait in erreur.value.messages[0]


def test_siren_et_siret_valides():
    valider_siren("732 829 320")
    valider_siret("732 829 320 00074")
    valider_siren_ou_siret("732829320")
    valider_siren_ou_siret("73282932000074")


@pytest.mark.parametrize("numero", ["732829321", "73282932000075", "73282933000074"])
def test_siren_siret_cle_fausse(numero):
    with pytest.raises(ValidationError) as erreur:
        valider_siren_ou_siret(numero)
    assert "clé de contrôle" in erreur.value.messages[0]


@pytest.mark.parametrize("numero", ["1234", "7328293200007", "ABCDEFGHI"])
def test_siren_siret_format(numero):
    with pytest.raises(ValidationError) as erreur:
        valider_siren_ou_siret(numero)
    assert "9 chiffres" in erreur.value.messages[0]


def test_siret_la_poste_somme_multiple_de_5():
    # Établissement de La Poste : la clé de Luhn ne s'applique pas, la somme des chiffres est un multiple de 5.
    assert siret_valide("35600000049837")
    valider_siret("356 000 000 49837")
    assert not siret_valide("35600000049838")
    # Le siège de La Poste suit la règle générale (Luhn).
    assert siret_valide("35600000000048")
    with pytest.raises(ValidationError):
        valider_siret("35600000049838")


@pytest.mark.parametrize("code", ["75001", "20000", "69003", "97400", "97600", "98800"])
def test_code_postal_francais_accepte(code):
    valider_code_postal(code)


@pytest.mark.parametrize("code", ["00000", "96000", "97900", "98500", "7500", "75 001", "ABCDE"])
def test_code_postal_inexistant_refuse(code):
    with pytest.raises(ValidationError):
        valider_code_postal(code)


@pytest.mark.parametrize("numero", ["06 00 00 00 00", "06.00.00.00.00", "+262 262 00 00 00", "0100000000"])
def test_telephone_accepte(numero):
    valider_telephone(numero)


@pytest.mark.parametrize("numero", ["06 00 00", "12345", "téléphone", "+12"])
def test_telephone_refuse(numero):
    with pytest.raises(ValidationError):
        valider_telephone(numero)
