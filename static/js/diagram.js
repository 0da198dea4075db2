/* The diagram's size (templates/builder/partials/_diagram.html): its natural width goes into
   --diagram-width through the CSSOM — an inline style="" would be refused by the
   Content-Security-Policy — and .diagram-fits lets diagram.css shrink it to fit the page.
   Without this file the diagram keeps its own size and scrolls sideways. */
(function () {
  "use strict";
  if (window.handoffDiagram) return;
  window.handoffDiagram = true;

  function fit(root) {
    root.querySelectorAll("svg.diagram-svg[data-width]").forEach(function (svg) {
      svg.style.setProperty("--diagram-width", svg.dataset.width + "px");
      svg.classList.add("diagram-fits");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      fit(document);
    });
  } else {
    fit(document);
  }
  if (window.htmx) htmx.onLoad(fit);
})();
