// Fiche dossier du back-office (amélioration progressive, aucun script en ligne).
// 1. Boutons « Copier » : cachés sans JavaScript, ils copient la valeur de data-copier et l'annoncent.
// 2. Aperçu des pièces : le cadre (PDF) ou l'image n'est créé qu'à l'ouverture de la pièce, car chaque
//    aperçu est une consultation journalisée ; sans JavaScript, le lien « Afficher l'aperçu » reste.
(function () {
  "use strict";
  var annonce = document.createElement("p");
  annonce.className = "fr-sr-only";
  annonce.setAttribute("role", "status");
  document.body.appendChild(annonce);

  if (navigator.clipboard) {
    document.querySelectorAll("button[data-copier]").forEach(function (bouton) {
      bouton.hidden = false;
      bouton.addEventListener("click", function () {
        navigator.clipboard.writeText(bouton.getAttribute("data-copier")).then(
          function () {
            annonce.textContent = "Copié dans le presse-papiers.";
          },
          function () {
            annonce.textContent = "La copie a échoué : sélectionnez le texte puis copiez-le.";
          }
        );
      });
    });
  }

  function afficherApercu(zone) {
    if (zone.getAttribute("data-apercu-charge")) {
      return;
    }
    zone.setAttribute("data-apercu-charge", "oui");
    var element;
    if (zone.getAttribute("data-apercu-type") === "pdf") {
      element = document.createElement("iframe");
      element.className = "precontentieux-apercu";
      element.title = zone.getAttribute("data-apercu-titre");
    } else {
      element = document.createElement("img");
      element.className = "precontentieux-apercu-image";
      element.alt = zone.getAttribute("data-apercu-titre");
    }
    element.src = zone.getAttribute("data-apercu");
    zone.appendChild(element);
  }

  document.querySelectorAll(".fr-accordion__btn[aria-controls]").forEach(function (bouton) {
    bouton.addEventListener("click", function () {
      var cible = document.getElementById(bouton.getAttribute("aria-controls"));
      if (cible) {
        cible.querySelectorAll("[data-apercu]").forEach(afficherApercu);
      }
    });
  });
})();
