/*
 * Enregistrement automatique du brouillon des assistants (amélioration progressive : sans JavaScript,
 * les boutons « Continuer » et « Revenir » enregistrent aussi).
 * - les champs modifiés sont envoyés environ 1,5 s après la dernière frappe ;
 * - la page porte la version du brouillon qu'elle a chargée : si un autre onglet l'a modifié, le serveur
 *   répond 409 et rien n'est écrasé ; un message invite à recharger la page ;
 * - une session expirée (401) : la saisie est gardée côté serveur et un lien permet de se reconnecter ;
 * - un jeton CSRF périmé (reconnexion dans un autre onglet, 403 `csrf`) : la saisie est gardée et un lien invite
 *   à recharger la page, au lieu de réessayer en boucle.
 */
(function () {
  "use strict";

  // Déclaration des forces de l'ordre ou demande de l'usager : même moteur (portail/assistants.py).
  var formulaire = document.getElementById("formulaire-assistant");
  if (!formulaire || !window.fetch || !window.FormData) {
    return;
  }
  var url = formulaire.getAttribute("data-brouillon-url");
  var etape = formulaire.getAttribute("data-etape");
  var champVersion = formulaire.querySelector("input[name=version]");
  var statut = document.getElementById("brouillon-statut");
  var alerte = document.getElementById("brouillon-alerte");
  var alerteTexte = document.getElementById("brouillon-alerte-texte");
  var alerteLien = document.getElementById("brouillon-alerte-lien");
  var DELAI = 1500;

  var modifies = {};
  var minuteur = null;
  var enCours = false;
  var bloque = false;
  var soumissionEnAttente = null;

  function appartientALEtape(champ) {
    return champ && champ.name && champ.name.indexOf(etape + "-") === 0 && champ.type !== "file";
  }

  function afficherStatut(texte) {
    statut.textContent = texte;
  }

  function afficherAlerte(texte, lien, libelleLien) {
    bloque = true;
    // Plus d'« Enregistrement du brouillon… » affiché : l'alerte dit pourquoi rien n'a été enregistré.
    afficherStatut("");
    alerteTexte.textContent = texte;
    alerteLien.setAttribute("href", lien || window.location.pathname);
    alerteLien.textContent = libelleLien || "Recharger la page";
    alerte.hidden = false;
    alerte.setAttribute("tabindex", "-1");
    alerte.focus();
  }

  function corpsDeRequete(noms) {
    var donnees = new FormData(formulaire);
    var corps = new FormData();
    corps.append("csrfmiddlewaretoken", donnees.get("csrfmiddlewaretoken"));
    corps.append("version", champVersion.value);
    corps.append("etape", etape);
    noms.forEach(function (nom) {
      var valeurs = donnees.getAll(nom);
      if (valeurs.length === 0) {
        corps.append(nom, "");
      } else {
        valeurs.forEach(function (valeur) {
          corps.append(nom, valeur);
        });
      }
    });
    return corps;
  }

  function terminer() {
    enCours = false;
    if (soumissionEnAttente !== null) {
      var bouton = soumissionEnAttente;
      soumissionEnAttente = null;
      if (formulaire.requestSubmit) {
        formulaire.requestSubmit(bouton || undefined);
      } else {
        formulaire.submit();
      }
    } else if (Object.keys(modifies).length) {
      planifier();
    }
  }

  function enregistrer() {
    minuteur = null;
    if (bloque) {
      return;
    }
    if (enCours) {
      planifier();
      return;
    }
    var noms = Object.keys(modifies);
    if (!noms.length) {
      return;
    }
    modifies = {};
    enCours = true;
    afficherStatut("Enregistrement du brouillon…");
    fetch(url, {
      method: "POST",
      body: corpsDeRequete(noms),
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" },
    })
      .then(function (reponse) {
        if (reponse.type === "opaqueredirect") {
          afficherAlerte(
            formulaire.getAttribute("data-message-session") || "Votre session a expiré. Reconnectez-vous pour continuer."
          );
          return null;
        }
        if ((reponse.headers.get("Content-Type") || "").indexOf("application/json") === -1) {
          // Réponse inattendue (page d'erreur) : inutile de réessayer en boucle, la page doit être rechargée.
          afficherAlerte("Le brouillon n’a pas pu être enregistré. Rechargez la page pour continuer : votre saisie sera reprise.");
          return null;
        }
        return reponse.json().then(function (json) {
          if (reponse.ok) {
            champVersion.value = json.version;
            afficherStatut(json.message);
          } else if (json.motif === "conflit") {
            afficherAlerte(json.erreur);
          } else if (json.url) {
            // Brouillon envoyé, déposé ou supprimé : lien vers ce qu'il est devenu.
            afficherAlerte(json.erreur, json.url, json.lien);
          } else if (json.motif === "session") {
            afficherAlerte(json.erreur, json.connexion, "Se reconnecter");
          } else {
            afficherAlerte(json.erreur || "Le brouillon n’a pas pu être enregistré.");
          }
        });
      })
      .catch(function () {
        // Réseau coupé : on garde les champs pour la prochaine tentative.
        noms.forEach(function (nom) {
          modifies[nom] = true;
        });
        afficherStatut("Le brouillon n’a pas pu être enregistré (connexion interrompue). Nouvelle tentative dans quelques secondes.");
        window.setTimeout(planifier, 5000);
      })
      .then(terminer, terminer);
  }

  function planifier() {
    if (minuteur !== null) {
      window.clearTimeout(minuteur);
    }
    minuteur = window.setTimeout(enregistrer, DELAI);
  }

  function noterModification(evenement) {
    if (!appartientALEtape(evenement.target) || bloque) {
      return;
    }
    modifies[evenement.target.name] = true;
    planifier();
  }

  formulaire.addEventListener("input", noterModification);
  formulaire.addEventListener("change", noterModification);

  formulaire.addEventListener("submit", function (evenement) {
    // Le bouton enregistre tout le formulaire : l'enregistrement automatique en attente est inutile.
    if (minuteur !== null) {
      window.clearTimeout(minuteur);
      minuteur = null;
    }
    modifies = {};
    if (enCours) {
      // Attendre la fin de l'enregistrement en cours (sa nouvelle version) avant de soumettre.
      evenement.preventDefault();
      soumissionEnAttente = evenement.submitter || null;
    }
  });

  // Quitter la page avec des modifications non encore envoyées : dernier envoi en tâche de fond.
  window.addEventListener("pagehide", function () {
    var noms = Object.keys(modifies);
    if (noms.length && !bloque && navigator.sendBeacon) {
      navigator.sendBeacon(url, corpsDeRequete(noms));
      modifies = {};
    }
  });

  // Coordonnées de l'usager : le groupe est masqué quand l'agent répond « Non ».
  var groupe = document.querySelector("[data-condition]");
  if (groupe) {
    var nom = groupe.getAttribute("data-condition");
    var attendu = groupe.getAttribute("data-condition-valeur");
    var radios = formulaire.querySelectorAll("input[name='" + nom + "']");
    var actualiser = function () {
      var choisi = formulaire.querySelector("input[name='" + nom + "']:checked");
      groupe.hidden = Boolean(choisi) && choisi.value !== attendu;
    };
    Array.prototype.forEach.call(radios, function (radio) {
      radio.addEventListener("change", actualiser);
    });
    actualiser();
  }
})();
