from django.db import models
from django.utils.text import slugify


class Rubrique(models.TextChoices):
    FORCES_DE_L_ORDRE = "forces_de_l_ordre", "Forces de l’ordre"
    PUBLIC = "public", "Public"


class EntreeQuerySet(models.QuerySet):
    def publiees(self):
        return self.filter(publiee=True)

    def visibles_par(self, user):
        """Le public voit la rubrique publique ; les forces de l'ordre voient aussi la leur."""
        rubriques = [Rubrique.PUBLIC]
        if user.is_authenticated and user.est_agent:
            rubriques.append(Rubrique.FORCES_DE_L_ORDRE)
        return self.publiees().filter(rubrique__in=rubriques)


class Entree(models.Model):
    rubrique = models.CharField("rubrique", max_length=20, choices=Rubrique.choices)
    question = models.CharField("question", max_length=255)
    slug = models.SlugField("identifiant dans l’adresse", max_length=120, unique=True, blank=True)
    reponse = models.TextField(
        "réponse",
        help_text="Texte simple ; une ligne vide sépare deux paragraphes, « - » en début de ligne fait une liste.",
    )
    ordre = models.PositiveIntegerField("ordre d’affichage", default=0)
    publiee = models.BooleanField("publiée", default=True)
    modifiee_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = EntreeQuerySet.as_manager()

    class Meta:
        verbose_name = "question de la FAQ"
        verbose_name_plural = "questions de la FAQ"
        ordering = ["rubrique", "ordre", "id"]

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.question)[:120]
        super().save(*args, **kwargs)

    @property
    def blocs(self):
        """Découpe la réponse en paragraphes et listes (rendus échappés par le gabarit).

        Une liste peut suivre sa phrase d'introduction sans ligne vide (« Déclarez en ligne :\n- … ») ;
        une ligne sans « - » après une liste ouvre un nouveau paragraphe.
        """
        resultat = []
        for bloc in self.reponse.strip().split("\n\n"):
            paragraphe, liste = [], []
            for ligne in (ligne.strip() for ligne in bloc.strip().splitlines()):
                if not ligne:
                    continue
                if ligne.startswith("- "):
                    if paragraphe:
                        resultat.append({"paragraphe": " ".join(paragraphe)})
                        paragraphe = []
                    liste.append(ligne[2:])
                else:
                    if liste:
                        resultat.append({"liste": liste})
                        liste = []
                    paragraphe.append(ligne)
            if paragraphe:
                resultat.append({"paragraphe": " ".join(paragraphe)})
            if liste:
                resultat.append({"liste": liste})
        return resultat
