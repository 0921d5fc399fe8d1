"""Analyse antivirus des pièces justificatives (portail.models.PieceAnalysee).

Les pièces existantes n'ont jamais été analysées : elles prennent l'état « non analysée » ; les
nouvelles naissent « en cours d'analyse ».
"""

from django.db import migrations, models

ETATS = [
    ("en_analyse", "En cours d’analyse"),
    ("saine", "Analysée, aucun virus détecté"),
    ("infectee", "Refusée : virus détecté"),
    ("non_analysee", "Non analysée (antivirus désactivé)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("precontentieux", "0009_instruction_notes_echanges"),
    ]

    operations = [
        migrations.AddField(
            model_name="piecejointedossier",
            name="etat_analyse",
            field=models.CharField(
                choices=ETATS, default="non_analysee", max_length=20, verbose_name="analyse antivirus"
            ),
        ),
        migrations.AlterField(
            model_name="piecejointedossier",
            name="etat_analyse",
            field=models.CharField(choices=ETATS, default="en_analyse", max_length=20, verbose_name="analyse antivirus"),
        ),
        migrations.AddField(
            model_name="piecejointedossier",
            name="analysee_le",
            field=models.DateTimeField(blank=True, null=True, verbose_name="analysée le"),
        ),
        migrations.AddField(
            model_name="piecejointedossier",
            name="signature_virus",
            field=models.CharField(blank=True, max_length=200, verbose_name="virus détecté"),
        ),
    ]
