"""Purge RGPD (docs/rgpd.md) : une déclaration envoyée reste immuable, sauf pendant l'anonymisation de son
dossier à la fin de la durée de conservation.

La porte est étroite et visible : l'anonymisation insère, dans SA transaction, une ligne dans
`declarations_anonymisationencours` (sous PostgreSQL marquée de l'identifiant de la transaction, invisible des
autres transactions tant qu'elle n'est pas validée, et retirée avant la fin). Tant que cette ligne existe :
- une déclaration envoyée peut être MODIFIÉE (champs personnels vidés), jamais supprimée, et ni son statut,
  ni sa référence, ni son agent, ni son dossier, ni sa date d'envoi ne changent ;
- ses pièces jointes peuvent être SUPPRIMÉES (jamais ajoutées ni modifiées).
Hors de là, les déclencheurs refusent toute écriture, comme avant (migration 0002).

Sous SQLite, les déclencheurs gardent les noms de la migration 0002 : `SQLITE` et `SQLITE_RETOUR` ci-dessous
sont la version courante (les tests qui les lèvent le temps d'un vidage importent ce module).
"""

import importlib

from django.db import migrations, models

MESSAGE = "Declaration envoyee : modification interdite"
initiale = importlib.import_module("declarations.migrations.0002_immutabilite_en_base")

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION declarations_refuser_ecriture_envoyee() RETURNS trigger AS $$
DECLARE
  parents bigint[];
  anonymisation boolean;
BEGIN
  anonymisation := EXISTS (
    SELECT 1 FROM declarations_anonymisationencours a WHERE a.transaction = txid_current()
  );
  IF TG_TABLE_NAME = 'declarations_declaration' THEN
    IF OLD.statut = 'envoyee' THEN
      IF TG_OP = 'UPDATE' AND anonymisation
         AND NEW.statut = OLD.statut
         AND NEW.reference IS NOT DISTINCT FROM OLD.reference
         AND NEW.agent_id = OLD.agent_id
         AND NEW.dossier_id IS NOT DISTINCT FROM OLD.dossier_id
         AND NEW.envoyee_le IS NOT DISTINCT FROM OLD.envoyee_le THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  ELSE
    IF TG_OP = 'INSERT' THEN
      parents := ARRAY[NEW.declaration_id];
    ELSIF TG_OP = 'UPDATE' THEN
      parents := ARRAY[OLD.declaration_id, NEW.declaration_id];
    ELSE
      parents := ARRAY[OLD.declaration_id];
    END IF;
    IF EXISTS (SELECT 1 FROM declarations_declaration d WHERE d.statut = 'envoyee' AND d.id = ANY(parents)) THEN
      IF TG_OP = 'DELETE' AND anonymisation THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

_ANONYMISATION = "EXISTS (SELECT 1 FROM declarations_anonymisationencours)"

SQLITE = [
    f"""CREATE TRIGGER declaration_immuable_maj BEFORE UPDATE ON declarations_declaration
        WHEN OLD.statut = 'envoyee' AND NOT ({_ANONYMISATION}
            AND NEW.statut = OLD.statut AND NEW.reference IS OLD.reference AND NEW.agent_id = OLD.agent_id
            AND NEW.dossier_id IS OLD.dossier_id AND NEW.envoyee_le IS OLD.envoyee_le)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER declaration_immuable_suppr BEFORE DELETE ON declarations_declaration
        WHEN OLD.statut = 'envoyee' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER piece_immuable_ajout BEFORE INSERT ON declarations_piecejointedeclaration
        WHEN (SELECT statut FROM declarations_declaration WHERE id = NEW.declaration_id) = 'envoyee'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER piece_immuable_maj BEFORE UPDATE ON declarations_piecejointedeclaration
        WHEN (SELECT statut FROM declarations_declaration WHERE id IN (OLD.declaration_id, NEW.declaration_id)
              AND statut = 'envoyee') IS NOT NULL
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER piece_immuable_suppr BEFORE DELETE ON declarations_piecejointedeclaration
        WHEN (SELECT statut FROM declarations_declaration WHERE id = OLD.declaration_id) = 'envoyee'
            AND NOT {_ANONYMISATION}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_RETOUR = initiale.SQLITE_RETOUR


def poser(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for sql in SQLITE_RETOUR + SQLITE:
            schema_editor.execute(sql)


def retirer(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(initiale.POSTGRESQL.split("CREATE TRIGGER", 1)[0])
    elif vendor == "sqlite":
        for sql in SQLITE_RETOUR + initiale.SQLITE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0004_analyse_antivirus_pieces"),
    ]

    operations = [
        migrations.CreateModel(
            name="AnonymisationEnCours",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("transaction", models.BigIntegerField(blank=True, null=True, verbose_name="transaction")),
            ],
            options={
                "verbose_name": "anonymisation en cours",
                "verbose_name_plural": "anonymisations en cours",
            },
        ),
        migrations.RunPython(poser, retirer),
    ]
