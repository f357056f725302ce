/* Sites de plantation: drag on the map image to draw the area; fills the form's X/Y fields
   (the same fields can be typed without JavaScript). One image pixel = one 5 m cell. */
(function () {
  "use strict";
  var wrap = document.getElementById("pl-dessin");
  var image = document.getElementById("pl-carte-sites");
  if (!wrap || !image) { return; }
  var x0 = parseFloat(wrap.getAttribute("data-xmin"));
  var y1 = parseFloat(wrap.getAttribute("data-ymax"));
  var cell = parseFloat(wrap.getAttribute("data-cell"));
  var box = document.createElement("div");
  box.className = "pl-zone";
  box.hidden = true;
  wrap.appendChild(box);
  var start = null;

  function position(event) {
    var rect = image.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top, rect: rect };
  }
  function field(name, value) {
    var input = document.getElementById("id_" + name);
    if (input) { input.value = value.toFixed(1); }
  }
  image.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    start = position(event);
    box.hidden = false;
    box.style.left = start.x + "px"; box.style.top = start.y + "px";
    box.style.width = "0px"; box.style.height = "0px";
  });
  image.addEventListener("pointermove", function (event) {
    if (!start) { return; }
    var now = position(event);
    box.style.left = Math.min(start.x, now.x) + "px";
    box.style.top = Math.min(start.y, now.y) + "px";
    box.style.width = Math.abs(now.x - start.x) + "px";
    box.style.height = Math.abs(now.y - start.y) + "px";
  });
  image.addEventListener("pointerup", function (event) {
    if (!start) { return; }
    var end = position(event);
    var scale = image.naturalWidth / start.rect.width;  // pixels of the image = cells
    var left = Math.min(start.x, end.x) * scale, right = Math.max(start.x, end.x) * scale;
    var top = Math.min(start.y, end.y) * scale, bottom = Math.max(start.y, end.y) * scale;
    start = null;
    if (right - left < 1 || bottom - top < 1) { box.hidden = true; return; }
    field("xmin", x0 + left * cell); field("xmax", x0 + right * cell);
    field("ymax", y1 - top * cell); field("ymin", y1 - bottom * cell);
  });
})();
