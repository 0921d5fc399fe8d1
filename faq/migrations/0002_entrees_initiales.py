"""Premières questions de la FAQ, modifiables ensuite dans l'administration."""

from django.db import migrations

FDO = "forces_de_l_ordre"
PUBLIC = "public"

ENTREES = [
    (
        FDO,
        "que-faire-en-cas-de-violences-conjugales",
        "Que faire en cas de violences conjugales ?",
        """Lorsque vous forcez une porte pour porter secours à une victime de violences conjugales, le logement est bien celui visé par l'intervention : ce n'est pas une erreur opérationnelle au sens strict. La personne qui subit les violences n'est pourtant pas l'auteur des faits et peut, selon sa situation, être indemnisée.

Déclarez le bris de porte en ligne :
- à l'étape 1, répondez « J'ai un doute » et décrivez factuellement l'intervention (motif d'urgence, dommages constatés), sans appréciation ;
- à l'étape 2, indiquez le numéro de procédure : il permet au Bureau du précontentieux de vérifier le contexte auprès de votre service ;
- à l'étape 3, donnez les coordonnées de la victime seulement si elle peut les recevoir sans danger. Le courriel d'invitation mentionne le bris de porte : si l'auteur des violences a accès à la messagerie de la victime, répondez « Non » et précisez-le dans les précisions.

Le Bureau du précontentieux instruit la demande a posteriori : vous n'avez pas à trancher la question de l'indemnisation.""",
    ),
    (
        FDO,
        "que-faire-en-cas-d-intervention-menee-avec-une-brigade-cynophile",
        "Que faire en cas d'intervention menée avec une brigade cynophile ?",
        """Lorsqu'un chien a marqué une porte et que le logement ouvert s'avère étranger à l'enquête, il s'agit d'une erreur opérationnelle : répondez « Oui » à l'étape 1.

Si le logement était bien celui visé par l'opération, répondez « Non ». Si vous ne savez pas encore si l'occupant est lié aux faits, répondez « J'ai un doute ».

Dans la description, indiquez que l'intervention a été menée avec une brigade cynophile et décrivez les dommages (porte, serrure, encadrement), sans appréciation.""",
    ),
    (
        FDO,
        "que-faire-en-cas-de-squat",
        "Que faire en cas de squat ?",
        """Lorsque la porte d'un logement occupé sans droit ni titre est forcée, le propriétaire ou le bailleur du logement n'est pas l'auteur de l'infraction et peut demander à être indemnisé des dommages.

Déclarez le bris de porte en répondant « J'ai un doute » à l'étape 1 et précisez dans la description que le logement était squatté.

À l'étape 3, l'usager à inviter est le propriétaire ou le bailleur (par exemple un bailleur social), et non les occupants sans titre. Si vous ne connaissez pas ses coordonnées, répondez « Non » : vous pourrez les ajouter plus tard depuis « Mes déclarations ».""",
    ),
    (
        FDO,
        "que-faire-en-cas-de-denonciation-mensongere-d-une-urgence-vitale-averee",
        "Que faire en cas de dénonciation mensongère d'une urgence vitale avérée ?",
        """Lorsque vous forcez une porte parce qu'un appel signalait une urgence vitale (personne en danger, malaise, appel au secours) et que ce signalement se révèle mensonger, l'occupant peut être indemnisé si l'auteur de la dénonciation reste non identifié.

Déclarez le bris de porte et décrivez l'appel reçu et ce que vous avez constaté sur place. Indiquez à l'étape 2 le numéro de la procédure ouverte pour dénonciation mensongère, le cas échéant.

Si l'auteur de la dénonciation est identifié par la suite, signalez-le au Bureau du précontentieux : la victime pourra alors aussi se retourner contre lui.""",
    ),
    (
        PUBLIC,
        "ma-porte-a-ete-endommagee-par-les-forces-de-l-ordre-que-faire",
        "Ma porte a été endommagée par les forces de l'ordre : que faire ?",
        """Si les forces de l'ordre ont endommagé votre porte lors d'une opération alors que vous n'étiez pas la personne recherchée, vous pouvez demander à l'État une indemnisation.

Si les forces de l'ordre ont déclaré le bris de porte, vous recevez un courriel avec un lien personnel pour commencer votre demande. Sinon, identifiez-vous sur ce site et déposez votre demande vous-même.

Préparez des photos de la porte, la facture ou le devis de réparation, un RIB, une pièce d'identité et l'attestation de votre assurance indiquant qu'elle ne prend pas en charge le sinistre.""",
    ),
    (
        PUBLIC,
        "combien-de-temps-pour-avoir-une-reponse",
        "Combien de temps faut-il pour obtenir une réponse ?",
        """L'administration dispose de deux mois à compter du dépôt de votre demande complète pour vous répondre. Son silence pendant deux mois vaut décision implicite de rejet.

Vous disposez alors de deux mois pour saisir le tribunal administratif si vous contestez ce rejet. Vous pouvez suivre l'avancement de votre demande à tout moment dans votre espace.""",
    ),
]


def semer(apps, schema_editor):
    Entree = apps.get_model("faq", "Entree")
    for ordre, (rubrique, slug, question, reponse) in enumerate(ENTREES):
        Entree.objects.update_or_create(
            slug=slug, defaults={"rubrique": rubrique, "question": question, "reponse": reponse, "ordre": ordre}
        )


class Migration(migrations.Migration):
    dependencies = [("faq", "0001_initial")]

    operations = [migrations.RunPython(semer, migrations.RunPython.noop)]
