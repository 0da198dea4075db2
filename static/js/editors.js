/* The builder's editors: fields that show only when they apply, inserting a name
   from the "names you can use here" list, and dragging form fields into order.
   (Closing the canvas's side panel is canvas.js's: [data-close-panel].)
   Everything works without this file; it only makes it smoother. */
(function () {
  "use strict";
  // Runs once, even if a page (or a swapped-in fragment) loads it a second time.
  if (window.handoffEditors) return;
  window.handoffEditors = true;

  // <div data-show-when="kind=background"> shows only while the form's field `kind` is
  // "background" (several values: "kind=a|b"). Without JavaScript everything shows.
  // Conditions that come into view are checked then (hx-trigger "shown").
  function applyShowWhen(root) {
    var shown = [];
    root.querySelectorAll("[data-show-when]").forEach(function (element) {
      var form = element.closest("form");
      if (!form) return;
      var rule = element.dataset.showWhen.split("=");
      var field = form.elements[rule[0]];
      if (!field) return;
      var hide = rule[1].split("|").indexOf(field.value) === -1;
      if (element.hidden && !hide) shown.push(element);
      element.hidden = hide;
    });
    shown.forEach(function (element) {
      element.querySelectorAll(".condition-input").forEach(function (input) {
        if (input.value && !input.closest("[hidden]")) htmx.trigger(input, "shown");
      });
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.form) applyShowWhen(event.target.form);
  });

  // A name in the list goes into the field at the cursor, then the field is checked again.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".name-insert");
    if (!button) return;
    var details = button.closest("[data-for]");
    var input = details && document.getElementById(details.dataset.for);
    if (!input || input.disabled || input.closest("fieldset:disabled")) return;
    var text = button.dataset.insert;
    var start = input.selectionStart != null ? input.selectionStart : input.value.length;
    var end = input.selectionEnd != null ? input.selectionEnd : input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    input.focus();
    input.setSelectionRange(start + text.length, start + text.length);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // The form designer's preview is for looking and typing only: it is never sent.
  document.addEventListener("submit", function (event) {
    if (event.target.matches("[data-preview-only]")) event.preventDefault();
  });

  // Lists with data-sortable-url: drag rows by their handle; the new order is posted as
  // order=<id>,<id>,… and the answer replaces the list (hx-target on the list).
  function initSortables(root) {
    if (typeof Sortable === "undefined") return;
    var lists = root.querySelectorAll ? root.querySelectorAll("[data-sortable-url]") : [];
    if (root.matches && root.matches("[data-sortable-url]")) lists = [root].concat(Array.from(lists));
    Array.prototype.forEach.call(lists, function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      Sortable.create(list, {
        handle: ".drag-handle",
        draggable: "[data-id]",
        animation: 150,
        onEnd: function () {
          var ids = Array.from(list.querySelectorAll(":scope > [data-id]")).map(function (row) {
            return row.dataset.id;
          });
          htmx.ajax("POST", list.dataset.sortableUrl, {
            source: list,
            target: list.dataset.sortableTarget || list,
            swap: "outerHTML",
            values: { order: ids.join(",") },
          });
        },
      });
    });
  }

  function init(root) {
    applyShowWhen(root.querySelectorAll ? root : document);
    if (root.closest) {
      var form = root.closest("form");
      if (form) applyShowWhen(form);
    }
    initSortables(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document); // loaded by a swapped-in editor: its content is already there
  }
  if (window.htmx) htmx.onLoad(init);
})();
