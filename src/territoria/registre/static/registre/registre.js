// Progressive enhancement only: pages work without it.
// Move the focus to the error summary of a refused form, so that keyboard and screen reader
// users start from the list of what to fix (each item links to its field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary) { summary.focus(); }
});
