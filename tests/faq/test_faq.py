import pytest
from django.urls import reverse

from faq.models import Entree, Rubrique
from tests.fabriques import UtilisateurFactory

pytestmark = pytest.mark.django_db

QUESTIONS_FDO = [
    "Que faire en cas de violences conjugales ?",
    "Que faire en cas d'intervention menée avec une brigade cynophile ?",
    "Que faire en cas de squat ?",
    "Que faire en cas de dénonciation mensongère d'une urgence vitale avérée ?",
]


def test_les_forces_de_l_ordre_voient_les_questions_du_guide(client):
    client.force_login(UtilisateurFactory(policier=True))
    contenu = client.get(reverse("faq:liste")).content.decode()
    for question in QUESTIONS_FDO:
        assert question.replace("'", "&#x27;") in contenu
    assert "Pour les usagers" in contenu


def test_le_public_ne_voit_pas_la_rubrique_des_forces_de_l_ordre(client):
    reponse = client.get(reverse("faq:liste"))
    assert reponse.status_code == 200
    assert "violences conjugales" not in reponse.content.decode()
    entree = Entree.objects.get(slug="que-faire-en-cas-de-squat")
    assert client.get(reverse("faq:detail", args=[entree.slug])).status_code == 404


def test_chaque_reponse_est_redigee_et_affichee(client):
    client.force_login(UtilisateurFactory(policier=True))
    for entree in Entree.objects.filter(rubrique=Rubrique.FORCES_DE_L_ORDRE):
        assert len(entree.reponse) > 300
        reponse = client.get(reverse("faq:detail", args=[entree.slug]))
        assert reponse.status_code == 200
        assert reponse.content.decode().count("<h1") == 1


def test_une_question_depubliee_disparait(client):
    Entree.objects.filter(rubrique=Rubrique.PUBLIC).update(publiee=False)
    assert "Aucune question" in client.get(reverse("faq:liste")).content.decode()


def test_le_texte_saisi_dans_l_admin_est_echappe(client):
    Entree.objects.create(
        rubrique=Rubrique.PUBLIC, question="<script>alert(1)</script>", reponse="<b>gras</b>\n\n- <i>x</i>"
    )
    contenu = client.get(reverse("faq:liste")).content.decode()
    assert "<script>alert(1)</script>" not in contenu and "&lt;script&gt;" in contenu
    assert "<b>gras</b>" not in contenu and "&lt;b&gt;gras&lt;/b&gt;" in contenu


def test_l_etape_1_de_la_declaration_renvoie_a_chaque_question_de_la_faq(client):
    from tests.fabriques import DeclarationFactory

    declaration = DeclarationFactory()
    client.force_login(declaration.agent)
    url = reverse("declarations:etape", kwargs={"pk": declaration.pk, "step": "bris-de-porte"})
    contenu = client.get(url).content.decode()
    for entree in Entree.objects.filter(rubrique=Rubrique.FORCES_DE_L_ORDRE):
        assert f'href="{reverse("faq:detail", args=[entree.slug])}"' in contenu
    Entree.objects.filter(slug="que-faire-en-cas-de-squat").update(publiee=False)
    assert "cas-de-squat" not in client.get(url).content.decode()
