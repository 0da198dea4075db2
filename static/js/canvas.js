/* The builder canvas: drag and drop (SortableJS) that saves each new order at once,
   focus and highlight after htmx swaps, the side panel, the validation panel's links,
   and the key suggested from a name on the orchestrations list. Everything here has a
   no-JavaScript equivalent in the page (buttons, links and forms). */
(function () {
  "use strict";

  function idsOf(list) {
    return Array.from(list.children)
      .filter(function (el) { return el.dataset && el.dataset.id; })
      .map(function (el) { return el.dataset.id; });
  }

  function postOrder(url, name, ids) {
    var values = {};
    values[name] = ids.join(",");
    htmx.ajax("POST", url, { source: document.body, swap: "none", values: values });
  }

  function makeSortable(root) {
    if (typeof Sortable === "undefined" || !root.querySelectorAll) return;
    var scope = root.parentNode || root;
    scope.querySelectorAll(".stage-list[data-reorder-url]").forEach(function (list) {
      if (list.sortable) return;
      list.sortable = Sortable.create(list, {
        handle: ".stage-handle",
        draggable: ".stage-column",
        animation: 150,
        onEnd: function (evt) {
          if (evt.oldIndex !== evt.newIndex) postOrder(list.dataset.reorderUrl, "stages", idsOf(list));
        },
      });
    });
    scope.querySelectorAll(".step-list[data-reorder-url]").forEach(function (list) {
      if (list.sortable) return;
      list.sortable = Sortable.create(list, {
        group: "steps",
        handle: ".step-handle",
        draggable: ".step-card",
        animation: 150,
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          // The target stage gets its whole new order; a step from another stage moves in.
          postOrder(evt.to.dataset.reorderUrl, "steps", idsOf(evt.to));
        },
      });
    });
  }

  function highlight(el) {
    el.classList.remove("is-highlighted");
    void el.offsetWidth; // restart the animation
    el.classList.add("is-highlighted");
    el.scrollIntoView({ behavior: "smooth", block: "nearest", inline: "center" });
  }

  function select(card) {
    document.querySelectorAll(".is-selected").forEach(function (el) { el.classList.remove("is-selected"); });
    if (card) card.classList.add("is-selected");
  }

  function closePanel() {
    var panel = document.getElementById("side-panel");
    if (panel) panel.innerHTML = "";
    select(null);
  }

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    // "Close" empties the side panel instead of going back to the canvas page (on an
    // editor's own page, without the panel, the link is followed).
    var close = target.closest("[data-close-panel]");
    if (close && close.closest("#side-panel")) {
      evt.preventDefault();
      closePanel();
      return;
    }
    var problem = target.closest("[data-card]");
    if (problem) {
      var card = document.getElementById(problem.dataset.card);
      if (card) { highlight(card); select(card); }
      return;
    }
    // A click anywhere on a card or a stage header (but their controls) opens its
    // editor, like a click on its name.
    var clickable = target.closest(".step-card, .stage-head");
    if (clickable && !target.closest("a, button, form, input, select, .drag-handle")) {
      var link = clickable.querySelector(".step-name, h2 a");
      if (link) link.click();
      return;
    }
    var editLink = target.closest(".step-name, .stage-head h2 a");
    if (editLink) select(editLink.closest(".step-card, .stage-column"));
  });

  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape" && document.activeElement && document.activeElement.closest("#side-panel")) {
      closePanel();
    }
  });

  // After a change the server says what to focus: the moved card's button, the add form…
  // Several selectors, comma-separated, are tried in their order: the first element
  // that is shown gets focus (a move button hidden at the end of a list does not).
  function firstShown(selectors) {
    return selectors.split(",").map(function (selector) {
      return document.querySelector(selector.trim());
    }).find(function (el) {
      return el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    });
  }
  document.body.addEventListener("canvas-focus", function (evt) {
    var el = firstShown(evt.detail.selector);
    if (!el) return;
    el.focus({ preventScroll: true });
    var card = el.closest(".step-card, .stage-column");
    if (card) highlight(card); else el.scrollIntoView({ block: "nearest", inline: "nearest" });
  });

  // Refusals (409: the version is no longer a draft) and stale canvases (400) are
  // shown above the board instead of being dropped silently.
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    var alerts = document.getElementById("canvas-alerts");
    if (!alerts || (status !== 409 && status !== 400)) return;
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
    evt.detail.target = alerts;
    evt.detail.swapOverride = "innerHTML";
    if (status === 400) {
      evt.detail.serverResponse =
        '<p class="message message-error" role="alert">That change was not saved: the canvas is out of date. ' +
        '<a href="">Reload the page</a> and try again.</p>';
    }
  });

  // The card (or column) whose editor is open stays marked, also after a save swapped
  // it in again; an empty panel marks nothing.
  function reselect() {
    var panel = document.getElementById("side-panel");
    if (!panel) return;
    var editor = panel.querySelector(".editor[id]");
    var found = editor && editor.id.match(/^(step|stage)-editor-(\d+)$/);
    if (found) {
      var card = document.getElementById(found[1] + "-" + found[2]);
      if (card && !card.classList.contains("is-selected")) select(card);
    } else if (!panel.children.length) {
      select(null);
    }
  }

  // Opening the side panel narrows the board: keep the card being edited in view.
  document.body.addEventListener("htmx:afterSettle", function (evt) {
    reselect();
    if (evt.detail.target.id !== "side-panel") return;
    var selected = document.querySelector(".is-selected");
    if (selected) selected.scrollIntoView({ block: "nearest", inline: "nearest" });
  });

  // The validation panel keeps the open/closed state the user chose while it refreshes.
  var problemsOpen = null;
  document.addEventListener("toggle", function (evt) {
    if (evt.target.classList && evt.target.classList.contains("problems-details") && evt.isTrusted) {
      problemsOpen = evt.target.open;
    }
  }, true);
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target.id !== "problems-panel" || problemsOpen === null) return;
    var details = evt.detail.target.querySelector(".problems-details");
    if (details) details.open = problemsOpen;
  });

  // Orchestrations list: a key suggested from the name (as the server derives it).
  function suggestedKey(name) {
    var key = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (key && !/^[a-z]/.test(key)) key = "process_" + key;
    return key.slice(0, 60);
  }
  // Someone's own key is kept: the key follows the name only while it is empty or
  // still the suggestion made from the name before.
  document.addEventListener("input", function (evt) {
    var source = evt.target.closest("[data-key-source]");
    if (!source) return;
    var keyInput = document.querySelector(source.dataset.keySource);
    if (!keyInput) return;
    var before = source.dataset.suggested || "";
    if (keyInput.value === "" || keyInput.value === before) {
      keyInput.value = suggestedKey(source.value);
    }
    source.dataset.suggested = suggestedKey(source.value);
  });

  htmx.onLoad(makeSortable);
  document.addEventListener("DOMContentLoaded", function () { makeSortable(document.body); });
  document.body.addEventListener("htmx:oobAfterSwap", function (evt) { makeSortable(evt.detail.target || document.body); });
})();
