/*
 * Dépôt de fichiers (amélioration progressive). Sans JavaScript, chaque zone est un champ fichier
 * multiple avec un bouton « Ajouter » : c'est aussi le chemin au clavier, toujours disponible.
 * Avec JavaScript :
 * - chaque zone accepte aussi le glisser-déposer (les fichiers déposés remplissent le champ) ;
 * - l'envoi se fait en arrière-plan avec une barre de progression ; le serveur répond en JSON
 *   (messages de réussite ou d'erreur rangés pour la page suivante) puis la page est rechargée.
 */
(function () {
  "use strict";

  var formulaire = document.querySelector("form[data-televersement-formulaire]");
  if (!formulaire || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var progression = document.getElementById("televersement-progression");
  var barre = document.getElementById("televersement-barre");
  var texte = document.getElementById("televersement-texte");

  function nomsDesFichiers(champ) {
    return Array.prototype.map.call(champ.files, function (f) {
      return f.name;
    }).join(", ");
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-televersement]"), function (zone) {
    var champ = zone.querySelector("input[type=file]");
    var consigne = zone.querySelector(".demande-depot__consigne");
    if (!champ) {
      return;
    }
    if (consigne) {
      consigne.hidden = false;
    }
    zone.addEventListener("dragover", function (evenement) {
      evenement.preventDefault();
      zone.classList.add("demande-depot--active");
    });
    zone.addEventListener("dragleave", function () {
      zone.classList.remove("demande-depot--active");
    });
    zone.addEventListener("drop", function (evenement) {
      evenement.preventDefault();
      zone.classList.remove("demande-depot--active");
      if (evenement.dataTransfer && evenement.dataTransfer.files.length) {
        try {
          champ.files = evenement.dataTransfer.files;
        } catch (e) {
          return; // navigateur ancien : le champ fichier reste utilisable
        }
        champ.dispatchEvent(new Event("change", { bubbles: true }));
        if (consigne) {
          consigne.textContent = "Fichiers prêts à être ajoutés : " + nomsDesFichiers(champ);
        }
      }
    });
  });

  function fichiersChoisis() {
    return Array.prototype.some.call(formulaire.querySelectorAll("input[type=file]"), function (champ) {
      return champ.files && champ.files.length > 0;
    });
  }

  formulaire.addEventListener("submit", function (evenement) {
    var bouton = evenement.submitter;
    if (!bouton || bouton.name !== "action" || bouton.value !== "televerser" || !fichiersChoisis()) {
      return; // autres boutons : envoi classique
    }
    evenement.preventDefault();
    var donnees = new FormData(formulaire);
    donnees.append(bouton.name, bouton.value);
    var requete = new XMLHttpRequest();
    requete.open("POST", formulaire.getAttribute("action") || window.location.pathname);
    requete.setRequestHeader("Accept", "application/json");
    requete.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    progression.classList.remove("fr-hidden");
    texte.textContent = "Envoi des fichiers : 0 %";
    Array.prototype.forEach.call(formulaire.querySelectorAll("button"), function (b) {
      b.disabled = true;
    });
    requete.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var pourcentage = Math.round((e.loaded / e.total) * 100);
        barre.value = pourcentage;
        barre.textContent = pourcentage + " %";
        texte.textContent = "Envoi des fichiers : " + pourcentage + " %";
      }
    });
    requete.addEventListener("load", function () {
      var url = window.location.pathname;
      try {
        url = JSON.parse(requete.responseText).url || url;
      } catch (e) {
        // réponse inattendue : on recharge la page, qui affiche l'état réel
      }
      texte.textContent = "Envoi terminé. Vérification des fichiers…";
      window.location.assign(url);
    });
    requete.addEventListener("error", function () {
      texte.textContent = "L’envoi a échoué (connexion interrompue). Réessayez.";
      Array.prototype.forEach.call(formulaire.querySelectorAll("button"), function (b) {
        b.disabled = false;
      });
    });
    requete.send(donnees);
  });
})();
