"""Analyse antivirus des pièces jointes (portail.models.PieceAnalysee).

Les pièces existantes n'ont jamais été analysées : elles prennent l'état « non analysée » (colonne
remplie par la valeur par défaut de l'ajout, sans UPDATE : les déclencheurs d'immuabilité des
déclarations envoyées ne sont pas sollicités). Les nouvelles naissent « en cours d'analyse ».
Sous SQLite, l'ajout de colonnes reconstruit la table et perd ses déclencheurs : ils sont recréés.
"""

import importlib

from django.db import migrations, models

ETATS = [
    ("en_analyse", "En cours d’analyse"),
    ("saine", "Analysée, aucun virus détecté"),
    ("infectee", "Refusée : virus détecté"),
    ("non_analysee", "Non analysée (antivirus désactivé)"),
]

immuabilite = importlib.import_module("declarations.migrations.0002_immutabilite_en_base")


def recreer_declencheurs_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in immuabilite.SQLITE_RETOUR + immuabilite.SQLITE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0003_serrurier"),
    ]

    operations = [
        migrations.AddField(
            model_name="piecejointedeclaration",
            name="etat_analyse",
            field=models.CharField(
                choices=ETATS, default="non_analysee", max_length=20, verbose_name="analyse antivirus"
            ),
        ),
        migrations.AlterField(
            model_name="piecejointedeclaration",
            name="etat_analyse",
            field=models.CharField(choices=ETATS, default="en_analyse", max_length=20, verbose_name="analyse antivirus"),
        ),
        migrations.AddField(
            model_name="piecejointedeclaration",
            name="analysee_le",
            field=models.DateTimeField(blank=True, null=True, verbose_name="analysée le"),
        ),
        migrations.AddField(
            model_name="piecejointedeclaration",
            name="signature_virus",
            field=models.CharField(blank=True, max_length=200, verbose_name="virus détecté"),
        ),
        migrations.RunPython(recreer_declencheurs_sqlite, migrations.RunPython.noop),
    ]
