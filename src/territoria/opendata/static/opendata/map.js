// Points of the current page on a Leaflet map. Without a configured tile server
// (TERRITORIA_MAP_TILE_URL) no tiles are fetched: the points are drawn on a blank map
// and the list below the map stays the accessible reading.
(function () {
  var element = document.getElementById("od-map");
  var data = document.getElementById("od-points");
  if (!element || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent);
  if (!points.length) { element.hidden = true; return; }
  var map = L.map(element, { zoomControl: false });
  L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var markers = points.map(function (p) {
    // Labels are published data: given as text, never as HTML (bindPopup of a string is innerHTML).
    var label = document.createElement("span");
    label.textContent = p.label;
    return L.circleMarker([p.lat, p.lon], { radius: 6 }).bindPopup(label);
  });
  var group = L.featureGroup(markers).addTo(map);
  // A cap on the zoom: with no tile layer the map has no maximum, and the bounds of a single
  // point would zoom it to infinity (nothing drawn).
  map.fitBounds(group.getBounds().pad(0.1), { maxZoom: 16 });
})();
