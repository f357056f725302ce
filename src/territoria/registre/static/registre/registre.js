// Progressive enhancement only: pages work without it.

// Move the focus to the error summary of a refused form, so that keyboard and screen reader
// users start from the list of what to fix (each item links to its field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary) { summary.focus(); }
});

// After inline validation (htmx) fills or empties a field's error container, keep the
// field's aria-invalid state and error style in step with it.
document.addEventListener("htmx:afterSwap", function (event) {
  var container = event.detail.target;
  if (!container.classList || !container.classList.contains("field-errors")) { return; }
  var invalid = container.textContent.trim() !== "";
  var group = container.closest(".field");
  if (!group) { return; }
  group.classList.toggle("has-error", invalid);
  group.querySelectorAll("input, select, textarea").forEach(function (input) {
    if (invalid) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  });
});
