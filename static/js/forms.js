// Small helps for the portal's forms. Every form works without them.
(function () {
  "use strict";

  // A report's period: "Last month" and "This month" fill both dates in place (without the
  // script, the links load the form with that month filled in).
  var start = document.getElementById("id_period_start");
  var end = document.getElementById("id_period_end");
  var status = document.getElementById("period-status");
  document.querySelectorAll("[data-period-start]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!start || !end) return;
      event.preventDefault();
      start.value = link.dataset.periodStart;
      end.value = link.dataset.periodEnd;
      if (status) status.textContent = status.dataset.chosen.replace("%s", link.dataset.periodText);
    });
  });

  // A measure's partners: typing a contribution ticks its partner (the server does the same).
  document.querySelectorAll("[data-ticks]").forEach(function (input) {
    input.addEventListener("input", function () {
      var box = document.getElementById(input.dataset.ticks);
      if (box && input.value.trim()) box.checked = true;
    });
  });
})();
