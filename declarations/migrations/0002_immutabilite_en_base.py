"""Une déclaration envoyée est immuable : des déclencheurs refusent toute écriture, quel que soit le code."""

from django.db import migrations

MESSAGE = "Declaration envoyee : modification interdite"

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION declarations_refuser_ecriture_envoyee() RETURNS trigger AS $$
DECLARE
  parents bigint[];
BEGIN
  IF TG_TABLE_NAME = 'declarations_declaration' THEN
    IF OLD.statut = 'envoyee' THEN
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
      RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER declaration_immuable
  BEFORE UPDATE OR DELETE ON declarations_declaration
  FOR EACH ROW EXECUTE FUNCTION declarations_refuser_ecriture_envoyee();
CREATE TRIGGER piece_declaration_immuable
  BEFORE INSERT OR UPDATE OR DELETE ON declarations_piecejointedeclaration
  FOR EACH ROW EXECUTE FUNCTION declarations_refuser_ecriture_envoyee();
"""

POSTGRESQL_RETOUR = """
DROP TRIGGER IF EXISTS piece_declaration_immuable ON declarations_piecejointedeclaration;
DROP TRIGGER IF EXISTS declaration_immuable ON declarations_declaration;
DROP FUNCTION IF EXISTS declarations_refuser_ecriture_envoyee();
"""

SQLITE = [
    f"""CREATE TRIGGER declaration_immuable_maj BEFORE UPDATE ON declarations_declaration
        WHEN OLD.statut = 'envoyee' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
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
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_RETOUR = [
    "DROP TRIGGER IF EXISTS declaration_immuable_maj;",
    "DROP TRIGGER IF EXISTS declaration_immuable_suppr;",
    "DROP TRIGGER IF EXISTS piece_immuable_ajout;",
    "DROP TRIGGER IF EXISTS piece_immuable_maj;",
    "DROP TRIGGER IF EXISTS piece_immuable_suppr;",
]


def creer(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)
    else:
        raise RuntimeError(f"Base non prise en charge pour l’immuabilité des déclarations : {vendor}")


def supprimer(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_RETOUR)
    elif vendor == "sqlite":
        for sql in SQLITE_RETOUR:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial")]

    operations = [migrations.RunPython(creer, supprimer)]
