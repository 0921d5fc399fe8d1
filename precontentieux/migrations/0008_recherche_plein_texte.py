"""Recherche plein texte des dossiers (PostgreSQL seulement ; rien à faire sur SQLite).

- extension `unaccent` ;
- colonne `vecteur_recherche` (tsvector) tenue à jour par un déclencheur BEFORE INSERT OR UPDATE :
  `to_tsvector('french', unaccent(champs du dossier + référence, nom et prénom de l'usager de la
  déclaration))` ;
- un déclencheur sur la déclaration, à son envoi (quand `dossier_id` est posé), recalcule le vecteur
  du dossier ;
- index GIN sur la colonne ; index (statut, depose_le, id) et (depose_le, id) des files et de la recherche.

Le déclencheur lit `declarations_declaration` par SQL : `precontentieux` n'importe toujours pas le code
de `declarations` ; la dépendance de migration ci-dessous garantit que la table existe.
"""

import django.contrib.postgres.search
from django.db import migrations, models

CHAMPS = (
    "reference",
    "prenoms",
    "nom_naissance",
    "nom_usage",
    "raison_sociale",
    "siren_siret",
    "representant_legal",
    "adresse_voie",
    "adresse_complement",
    "adresse_code_postal",
    "adresse_ville",
    "requerant_adresse_voie",
    "requerant_adresse_complement",
    "requerant_adresse_code_postal",
    "requerant_adresse_ville",
)

CREER = f"""
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE OR REPLACE FUNCTION precontentieux_dossier_vecteur() RETURNS trigger AS $$
DECLARE
    declaration text := '';
BEGIN
    SELECT concat_ws(' ', d.reference, d.usager_nom, d.usager_prenom)
      INTO declaration
      FROM declarations_declaration d
     WHERE d.dossier_id = NEW.id;
    NEW.vecteur_recherche := to_tsvector(
        'french'::regconfig,
        -- Tirets en espaces : sinon « MIJ-2026-… » donnerait le lexème « -2026 » (entier signé).
        unaccent(replace(concat_ws(' ', {", ".join("NEW." + c for c in CHAMPS)}, declaration), '-', ' '))
    );
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER dossier_vecteur_recherche
    BEFORE INSERT OR UPDATE ON precontentieux_dossier
    FOR EACH ROW EXECUTE FUNCTION precontentieux_dossier_vecteur();

CREATE OR REPLACE FUNCTION precontentieux_declaration_envoyee() RETURNS trigger AS $$
BEGIN
    UPDATE precontentieux_dossier SET vecteur_recherche = NULL WHERE id = NEW.dossier_id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER declaration_vecteur_dossier
    AFTER INSERT OR UPDATE OF dossier_id ON declarations_declaration
    FOR EACH ROW WHEN (NEW.dossier_id IS NOT NULL)
    EXECUTE FUNCTION precontentieux_declaration_envoyee();

UPDATE precontentieux_dossier SET vecteur_recherche = NULL;

CREATE INDEX dossier_vecteur_recherche_gin ON precontentieux_dossier USING gin (vecteur_recherche);
"""

SUPPRIMER = """
DROP INDEX IF EXISTS dossier_vecteur_recherche_gin;
DROP TRIGGER IF EXISTS declaration_vecteur_dossier ON declarations_declaration;
DROP FUNCTION IF EXISTS precontentieux_declaration_envoyee();
DROP TRIGGER IF EXISTS dossier_vecteur_recherche ON precontentieux_dossier;
DROP FUNCTION IF EXISTS precontentieux_dossier_vecteur();
"""


def creer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREER)


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SUPPRIMER)


class Migration(migrations.Migration):
    dependencies = [
        ("precontentieux", "0007_erreur_signalee_usager"),
        ("declarations", "0002_immutabilite_en_base"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="vecteur_recherche",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True, verbose_name="vecteur de recherche"
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["statut", "depose_le", "id"], name="dossier_statut_depot_id"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["depose_le", "id"], name="dossier_depot_id"),
        ),
        migrations.RunPython(creer, supprimer),
    ]
