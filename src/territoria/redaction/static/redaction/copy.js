// « Copier le texte »: copies the text of the element named by data-copy to the clipboard.
// Without JavaScript the button stays hidden and the text can be selected by hand. Delegated on
// the document, so it also works after htmx swaps the job status in.
(function () {
  "use strict";
  function reveal(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (navigator.clipboard) { button.hidden = false; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSwap", function (event) { reveal(event.target); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentElement.querySelector(".copy-status");
    if (!source) { return; }
    navigator.clipboard.writeText(source.textContent).then(function () {
      if (status) { status.textContent = "Texte copié."; }
    }, function () {
      if (status) { status.textContent = "La copie a échoué : sélectionnez le texte à la main."; }
    });
  });
})();
