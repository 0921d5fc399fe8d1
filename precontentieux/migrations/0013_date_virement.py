"""Date du virement de l'indemnisation, saisie par la liaison budget (transition « marquer_indemnise »)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("precontentieux", "0012_acceptation_en_ligne"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="date_virement",
            field=models.DateField(blank=True, null=True, verbose_name="date du virement"),
        ),
    ]
