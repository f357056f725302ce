/* Map of the register: organisations as clustered markers. Tiles only when the operator
   configured a tile server (TERRITORIA_MAP_TILE_URL); otherwise an offline background with a
   graticule, so nothing is ever fetched from elsewhere. The list below the map carries the
   same information for keyboard and screen-reader users and without JavaScript. */
(function () {
  "use strict";
  var element = document.getElementById("carte");
  var data = JSON.parse(document.getElementById("carte-donnees").textContent);
  if (!element || typeof L === "undefined") { return; }
  element.hidden = false;
  // maxZoom on the map itself: without a tile layer to give one, markercluster throws
  // "Map has no maxZoom specified" and no marker is drawn (the offline default).
  var map = L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5, maxZoom: 18 });
  var tileUrl = element.dataset.tileUrl;
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: map.getMaxZoom(), attribution: element.dataset.tileAttribution || "" }).addTo(map);
  } else {
    element.classList.add("no-tiles");
    var graticule = L.layerGroup().addTo(map);
    for (var lat = 40; lat <= 52; lat += 2) {
      L.polyline([[lat, -6], [lat, 10]], { color: "#9aa3b5", weight: 1, interactive: false }).addTo(graticule);
    }
    for (var lon = -6; lon <= 10; lon += 2) {
      L.polyline([[40, lon], [52, lon]], { color: "#9aa3b5", weight: 1, interactive: false }).addTo(graticule);
    }
  }
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  var clusters = L.markerClusterGroup({ showCoverageOnHover: false });
  var layer = L.geoJSON(data, {
    pointToLayer: function (feature, latlng) {
      var count = feature.properties.projects.length;
      return L.marker(latlng, { title: feature.properties.name + " (" + count + " projet" + (count > 1 ? "s" : "") + ")", alt: feature.properties.name });
    },
    onEachFeature: function (feature, marker) {
      var p = feature.properties;
      var items = p.projects.map(function (project) {
        return '<li><a href="' + escapeHtml(project.url) + '">' + escapeHtml(project.name) + "</a></li>";
      }).join("");
      marker.bindPopup("<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(p.type) + "<ul>" + items + "</ul>");
    }
  });
  clusters.addLayer(layer);
  map.addLayer(clusters);
  if (data.features.length) {
    map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 9 });
  } else {
    map.fitBounds([[41.3, -5.2], [51.1, 9.6]]);
  }
})();
