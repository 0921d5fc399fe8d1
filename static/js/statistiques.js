// Statistiques du back-office : un graphique (Chart.js, static/vendor/) au-dessus de chaque tableau.
// Amélioration progressive, aucun script en ligne : les données sont lues dans le tableau accessible qui
// suit (attributs data-valeur), qui reste la source et l'équivalent textuel du graphique.
// Couleurs : palette catégorielle de DSFR Chart (@gouvfr/dsfr-chart, MIT), thèmes clair et sombre.
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  var PALETTES = {
    light: ["#5C68E5", "#29598F", "#31A7AE", "#B478F1", "#82B5F2", "#81EEF5", "#CFB1F5", "#CECECE"],
    dark: ["#5C68E5", "#4878B1", "#00828A", "#BC8AF2", "#699BD6", "#51C1C8", "#CFB1F5", "#A4A4A4"],
  };
  var theme = document.documentElement.getAttribute("data-fr-theme") === "dark" ? "dark" : "light";
  var palette = PALETTES[theme];
  var styles = window.getComputedStyle(document.documentElement);
  var couleurTexte = styles.getPropertyValue("--text-mention-grey").trim() || "#666666";
  var couleurGrille = styles.getPropertyValue("--border-default-grey").trim() || "#dddddd";
  var mouvementReduit = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  window.Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.color = couleurTexte;
  window.Chart.defaults.borderColor = couleurGrille;

  function valeur(cellule) {
    var brut = cellule ? cellule.getAttribute("data-valeur") : "";
    return brut === "" || brut === null ? null : Number(brut);
  }

  document.querySelectorAll("[data-graphique][data-tableau]").forEach(function (zone) {
    var tableau = document.getElementById(zone.getAttribute("data-tableau"));
    if (!tableau) {
      return;
    }
    var entetes = Array.prototype.slice.call(tableau.querySelectorAll("thead th"));
    var lignes = Array.prototype.slice.call(tableau.querySelectorAll("tbody tr"));
    var etiquettes = lignes.map(function (ligne) {
      return ligne.cells[0].textContent.trim();
    });
    var jeux = [];
    entetes.forEach(function (entete, indice) {
      if (!entete.hasAttribute("data-serie")) {
        return;
      }
      var couleur = palette[jeux.length % palette.length];
      jeux.push({
        label: entete.textContent.trim(),
        data: lignes.map(function (ligne) {
          return valeur(ligne.cells[indice]);
        }),
        backgroundColor: couleur,
        borderColor: couleur,
      });
    });
    var horizontal = zone.getAttribute("data-graphique") === "barres_horizontales";
    var unite = zone.getAttribute("data-unite");
    var canevas = document.createElement("canvas");
    canevas.setAttribute("role", "img");
    canevas.setAttribute(
      "aria-label",
      "Graphique : " + tableau.caption.textContent.trim() + ". Les valeurs figurent dans le tableau qui suit."
    );
    zone.appendChild(canevas);
    zone.hidden = false;
    new window.Chart(canevas, {
      type: "bar",
      data: { labels: etiquettes, datasets: jeux },
      options: {
        locale: "fr-FR",
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: mouvementReduit ? false : undefined,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (contexte) {
                var nombre = horizontal ? contexte.parsed.x : contexte.parsed.y;
                var texte = nombre === null ? "—" : nombre.toLocaleString("fr-FR");
                return contexte.dataset.label + " : " + texte + (unite && nombre !== null ? "\u202f" + unite : "");
              },
            },
          },
        },
        scales: horizontal ? { x: { beginAtZero: true } } : { y: { beginAtZero: true } },
      },
    });
  });
})();
