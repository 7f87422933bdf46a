/* Draws the participation charts. Each <canvas data-chart="ID"> reads its numbers from the
 * <script type="application/json" id="ID"> that Django's json_script wrote beside it; the table
 * under the chart holds the same numbers for those who cannot see the picture. No inline
 * scripts or styles, so a strict Content-Security-Policy can stay strict. */
(function () {
  "use strict";

  // Okabe–Ito colours, told apart with the common kinds of colour blindness, navy first.
  var PALETTE = ["#0b3a5b", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#0072b2",
                 "#8c6d00", "#6a3d9a", "#4d4d4d"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || !window.Chart || canvas.dataset.drawn) {
      return null;
    }
    canvas.dataset.drawn = "true";
    var data = JSON.parse(source.textContent);
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var english = (document.documentElement.lang || "nb").indexOf("en") === 0;
    var datasets = data.datasets.map(function (set, index) {
      var colour = PALETTE[index % PALETTE.length];
      var line = set.type === "line";
      return {
        label: set.label,
        data: set.data,
        type: set.type,
        backgroundColor: colour,
        borderColor: line ? colour : "#ffffff",
        borderWidth: line ? 3 : 1,
        pointRadius: line ? 3 : 0,
        order: line ? 0 : 1
      };
    });
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: still ? false : { duration: 400 },
        responsive: true,
        maintainAspectRatio: false,
        locale: english ? "en-GB" : "nb-NO",
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: data.stacked },
          y: { stacked: data.stacked, beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: {
          legend: {
            position: "bottom",
            labels: { sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } }
          }
        }
      }
    });
  }

  var charts = Array.prototype.map.call(document.querySelectorAll("canvas[data-chart]"), draw)
    .filter(Boolean);

  // Redraw at the paper's width before printing, and back again afterwards.
  function resizeAll() {
    charts.forEach(function (chart) { chart.resize(); });
  }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
