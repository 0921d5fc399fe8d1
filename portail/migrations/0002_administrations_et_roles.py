from django.db import migrations

ADMINISTRATIONS = [
    ("11001001400014", "MJ", "Ministère de la Justice"),
    ("12001501100014", "PN", "Police nationale"),
    ("17750151700011", "PP", "Préfecture de police"),
    ("15700001900461", "GN", "Gendarmerie nationale"),
    ("11001401600015", "MI", "Ministère de l’Intérieur"),
]
ROLES = ["forces_de_l_ordre", "attributeur", "redacteur", "validateur", "liaison_budget", "gestionnaire"]


def semer(apps, schema_editor):
    Administration = apps.get_model("portail", "Administration")
    Group = apps.get_model("auth", "Group")
    for siret, code, libelle in ADMINISTRATIONS:
        Administration.objects.update_or_create(siret=siret, defaults={"code": code, "libelle": libelle})
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [
        ("portail", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(semer, migrations.RunPython.noop)]
