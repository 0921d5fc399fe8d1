// Amélioration progressive ; aucun script en ligne.
(function () {
  "use strict";

  // Formulaire refusé : le focus va au résumé des erreurs (DSFR), annoncé par les lecteurs d'écran, d'où
  // chaque lien mène à son champ. Sans JavaScript, le résumé reste en tête de page.
  function focaliserResumeErreurs() {
    var resume = document.querySelector("[data-resume-erreurs]");
    if (resume) {
      resume.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focaliserResumeErreurs);
  } else {
    focaliserResumeErreurs();
  }
})();
