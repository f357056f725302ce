// Points of the current page on a Leaflet map. Without a configured tile server
// (TERRITORIA_MAP_TILE_URL) no tiles are fetched: the points are drawn on a blank map
// and the list below the map stays the accessible reading.
(function () {
  var element = document.getElementById("od-map");
  var data = document.getElementById("od-points");
  if (!element || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent);
  if (!points.length) { element.hidden = true; return; }
  var map = L.map(element);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var markers = points.map(function (p) {
    return L.circleMarker([p.lat, p.lon], { radius: 6 }).bindPopup(p.label);
  });
  var group = L.featureGroup(markers).addTo(map);
  map.fitBounds(group.getBounds().pad(0.1));
})();
