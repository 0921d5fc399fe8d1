// Boutons « Copier » de la fiche dossier (back-office) : cachés sans JavaScript, ils copient la valeur
// portée par data-copier dans le presse-papiers et l'annoncent (région live).
(function () {
  "use strict";
  var annonce = document.createElement("p");
  annonce.className = "fr-sr-only";
  annonce.setAttribute("role", "status");
  document.body.appendChild(annonce);
  if (!navigator.clipboard) {
    return;
  }
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
})();
