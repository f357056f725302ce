/* Mobilité: a SUMO network drawn in its own coordinates (x east, y north, metres) on a plain
   plane (Leaflet CRS.Simple): no tile, no projection, nothing fetched. Reads each element with
   data-mobilite-map="<id of a json_script GeoJSON>"; properties {label, detail, colour (a
   palette token of territoria.css), weight}. Labels are set as text, never as HTML. The page's
   tables carry the same information without JavaScript. */
(function () {
  "use strict";

  function token(element, name, fallback) {
    var value = name ? getComputedStyle(element).getPropertyValue("--" + name).trim() : "";
    return value || fallback;
  }

  function popup(properties) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = String(properties.label || "");
    box.appendChild(title);
    if (properties.detail) {
      var detail = document.createElement("p");
      detail.textContent = String(properties.detail);
      box.appendChild(detail);
    }
    return box;
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-mobilite-map"));
    if (!source || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    if (!data.features || !data.features.length) { return; }
    element.hidden = false;
    var map = L.map(element, { crs: L.CRS.Simple, minZoom: -6, maxZoom: 6, zoomSnap: 0.25,
                               scrollWheelZoom: false, zoomControl: false, attributionControl: false });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    var ink = token(element, "muted", "#555");
    var layer = L.geoJSON(data, {
      coordsToLatLng: function (c) { return L.latLng(c[1], c[0]); },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 5, color: token(element, "ink", "#000"), weight: 1,
          fillColor: token(element, feature.properties.colour, ink), fillOpacity: 0.9 });
      },
      style: function (feature) {
        return { color: token(element, feature.properties.colour, ink),
                 weight: feature.properties.weight || 2, opacity: 0.9 };
      },
      onEachFeature: function (feature, item) { item.bindPopup(popup(feature.properties)); }
    }).addTo(map);
    map.fitBounds(layer.getBounds().pad(0.05));
    L.control.scale({ imperial: false }).addTo(map);
  }

  document.querySelectorAll("[data-mobilite-map]").forEach(draw);
})();
