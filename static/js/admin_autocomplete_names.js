// Django admin's searchable selects (select2) are named by the chosen value alone, which is
// empty at first: a screen reader hears a nameless box. Name each by its field's label too,
// as the select it replaces was.
(function () {
  "use strict";
  function nameBoxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      var container = select.nextElementSibling;
      var box = container && container.querySelector(".select2-selection");
      if (!label || !box) {
        return;
      }
      if (!label.id) {
        label.id = select.id + "_label";
      }
      var value = box.querySelector(".select2-selection__rendered");
      box.setAttribute("aria-labelledby", label.id + (value && value.id ? " " + value.id : ""));
      if (value) {
        value.setAttribute("aria-labelledby", label.id); // its "textbox" holds the value
      }
    });
  }
  window.addEventListener("load", function () {
    if (!window.django || !window.django.jQuery) {
      return; // a page without searchable selects
    }
    // After admin's own ready handler (autocomplete.js) has made the boxes: jQuery runs ready
    // handlers in the order they were added, and this one is added last.
    window.django.jQuery(nameBoxes);
  });
})();
