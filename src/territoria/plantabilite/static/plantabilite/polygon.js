/* Zones de plantation: each click on the map image adds a vertex (in the territory's CRS) to
   the "Sommets" field and to the outline drawn over the image; the field can be typed without
   JavaScript. One image pixel = one 5 m cell. */
(function () {
  "use strict";
  var wrap = document.getElementById("pl-polygone");
  var image = document.getElementById("pl-carte-zone");
  var field = document.getElementById("id_dessin-sommets");
  var undo = document.getElementById("pl-annuler");
  if (!wrap || !image || !field) { return; }
  var x0 = parseFloat(wrap.getAttribute("data-xmin"));
  var y1 = parseFloat(wrap.getAttribute("data-ymax"));
  var cell = parseFloat(wrap.getAttribute("data-cell"));
  var svgNS = "http://www.w3.org/2000/svg";
  var svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("class", "pl-polygon");
  svg.setAttribute("aria-hidden", "true");
  var outline = document.createElementNS(svgNS, "polygon");
  svg.appendChild(outline);
  wrap.appendChild(svg);
  var vertices = [];  // [x, y] in the territory's CRS

  function redraw() {
    var rect = image.getBoundingClientRect();
    var scale = rect.width / image.naturalWidth;  // screen pixels per cell
    svg.setAttribute("width", rect.width);
    svg.setAttribute("height", rect.height);
    outline.setAttribute("points", vertices.map(function (v) {
      return ((v[0] - x0) / cell * scale).toFixed(1) + "," + ((y1 - v[1]) / cell * scale).toFixed(1);
    }).join(" "));
    field.value = vertices.map(function (v) { return v[0].toFixed(1) + " " + v[1].toFixed(1); }).join("\n");
    undo.hidden = vertices.length === 0;
  }
  image.addEventListener("click", function (event) {
    var rect = image.getBoundingClientRect();
    var scale = image.naturalWidth / rect.width;
    var col = (event.clientX - rect.left) * scale, row = (event.clientY - rect.top) * scale;
    vertices.push([x0 + col * cell, y1 - row * cell]);
    redraw();
  });
  undo.addEventListener("click", function () { vertices.pop(); redraw(); });
})();
