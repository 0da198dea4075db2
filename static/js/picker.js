/* The type-ahead that picks a person or a team (templates/inbox/partials/_picker.html).
   Typing already searches (htmx); this file adds the keyboard: Enter in the box searches
   at once instead of submitting the form, Down arrow goes to the matches (arrows then
   move between them, as radio buttons do), and Enter on a match moves on to the next
   field. Everything works without this file: Enter and the Search button submit the
   form, which comes back with the matches. */
(function () {
  "use strict";
  if (window.handoffPicker) return;
  window.handoffPicker = true;

  function matchesOf(input) {
    var box = document.getElementById(input.getAttribute("aria-controls"));
    return box ? Array.prototype.slice.call(box.querySelectorAll("input[type=radio]")) : [];
  }

  function nextField(picker) {
    var form = picker.closest("form");
    var fields = Array.prototype.slice.call(form.elements);
    var last = fields.filter(function (field) { return picker.contains(field); }).pop();
    return fields.slice(fields.indexOf(last) + 1).find(function (field) {
      return field.type !== "hidden" && !field.disabled;
    });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.matches("[data-picker-find]")) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (window.htmx) window.htmx.trigger(target, "search");
      } else if (event.key === "ArrowDown") {
        var matches = matchesOf(target);
        if (!matches.length) return;
        event.preventDefault();
        var chosen = matches.find(function (radio) { return radio.checked; }) || matches[0];
        chosen.checked = true;
        chosen.focus();
      }
      return;
    }
    if (target.type === "radio" && event.key === "Enter") {
      var picker = target.closest("[data-picker]");
      if (!picker) return;
      event.preventDefault();
      target.checked = true;
      var next = nextField(picker);
      if (next) next.focus();
    }
  });
})();
