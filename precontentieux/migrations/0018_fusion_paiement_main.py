"""Fusion des deux lignées de migrations (issue 9 : courriers, acceptation, date du virement ; main : contentieux,
réinvitation, types d'événements). Aucune opération ; l'intégrateur peut rechaîner à la place."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("precontentieux", "0013_date_virement"),
        ("precontentieux", "0017_types_evenements_fusionnes"),
    ]

    operations = []
