/* The header's « Menu » button on narrow screens (CSS decides when it shows).
   Without this script the button stays hidden and the whole menu is shown: nothing is lost. */
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  var button = header && header.querySelector(".menu-toggle");
  var panel = document.getElementById("menu-panel");
  if (!header || !button || !panel) return;

  function setOpen(open) {
    panel.classList.toggle("is-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  header.classList.add("has-menu-js");
  button.hidden = false;
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel.classList.contains("is-open")) {
      setOpen(false);
      button.focus();
    }
  });
  // The skip link « Aller au menu » opens the folded menu before moving to it.
  var skip = document.querySelector('.skip-links a[href="#navigation"]');
  if (skip) {
    skip.addEventListener("click", function () { setOpen(true); });
  }
})();
