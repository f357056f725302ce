/* The platform's map (core/maps.py, `{% territoria_map %}`), for every app.

   Reads each element with data-territoria-map="<id of a json_script GeoJSON>":
   - features: GeoJSON geometries (points, lines, areas) with properties {label, detail,
     links: [{text, url}], colour}: colour names a palette token of territoria.css (--scale-3,
     --cat-2…), read from the stylesheet so that maps, legends and charts share colours;
   - data-tile-url / data-tile-attribution: the operator's tile server (TERRITORIA_MAP_TILE_URL);
     empty, no tile is fetched: an offline graticule is drawn instead (nothing leaves the server);
   - data-cluster: group nearby markers (Leaflet.markercluster must be loaded).
   Labels are published data: they are always set as text (textContent, title attributes),
   never as HTML. The page's own list carries the same information without JavaScript. */
(function () {
  "use strict";
  var FRANCE = [[41.3, -5.2], [51.1, 9.6]];

  function text(tag, value) {
    var node = document.createElement(tag);
    node.textContent = value == null ? "" : String(value);
    return node;
  }

  // Only links to this site or over http(s): a "javascript:" URL would run on click.
  function safeUrl(url) {
    try {
      var parsed = new URL(String(url), window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function popup(properties) {
    var box = document.createElement("div");
    box.appendChild(text("strong", properties.label));
    if (properties.detail) { box.appendChild(text("p", properties.detail)); }
    var links = properties.links || [];
    if (links.length) {
      var list = document.createElement("ul");
      links.forEach(function (link) {
        var href = safeUrl(link.url);
        var item = document.createElement("li");
        var node = text(href ? "a" : "span", link.text);
        if (href) { node.href = href; }
        item.appendChild(node);
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    return box;
  }

  // Offline background: a graticule over the points' area, about ten lines each way, in the
  // --map-grid token of territoria.css.
  function drawGraticule(map, bounds) {
    var south = Math.floor(bounds.getSouth()) - 1, north = Math.ceil(bounds.getNorth()) + 1;
    var west = Math.floor(bounds.getWest()) - 1, east = Math.ceil(bounds.getEast()) + 1;
    var step = Math.max(1, Math.ceil(Math.max(north - south, east - west) / 10));
    var colour = getComputedStyle(map.getContainer()).getPropertyValue("--map-grid").trim();
    var style = { color: colour || "gray", weight: 1, opacity: 0.5, interactive: false };
    var layer = L.layerGroup().addTo(map);
    for (var lat = south; lat <= north; lat += step) { L.polyline([[lat, west], [lat, east]], style).addTo(layer); }
    for (var lon = west; lon <= east; lon += step) { L.polyline([[south, lon], [north, lon]], style).addTo(layer); }
  }

  function token(element, name, fallback) {
    var value = name ? getComputedStyle(element).getPropertyValue("--" + name).trim() : "";
    return value || fallback;
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-territoria-map"));
    if (!source || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    if (!data.features || !data.features.length) { return; }  // the page's list says "none"
    var cluster = element.hasAttribute("data-cluster") && typeof L.markerClusterGroup === "function";
    element.hidden = false;
    // maxZoom on the map itself: without a tile layer to give one, markercluster refuses to
    // draw and a single point would zoom to infinity.
    var map = L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5, maxZoom: 18, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    var brand = token(element, "brand", "#1d4e89");
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var label = String(feature.properties.label || "");
        if (feature.properties.colour) {  // a coloured disc: a class of a value, not a place marker
          var fill = token(element, feature.properties.colour, brand);
          return L.circleMarker(latlng, { radius: 6, color: token(element, "ink", "#000"), weight: 1, fillColor: fill, fillOpacity: 0.9 });
        }
        return L.marker(latlng, { title: label, alt: label, keyboard: true });
      },
      style: function (feature) {
        var colour = token(element, feature.properties.colour, brand);
        var area = /Polygon/.test(feature.geometry.type);
        return area
          ? { color: token(element, "map-grid", "gray"), weight: 0.5, fillColor: colour, fillOpacity: 0.7 }
          : { color: colour, weight: 3, opacity: 0.9 };
      },
      onEachFeature: function (feature, marker) { marker.bindPopup(popup(feature.properties)); }
    });
    var group = cluster ? L.markerClusterGroup({ showCoverageOnHover: false }) : L.featureGroup();
    group.addLayer(layer);
    map.addLayer(group);
    var bounds = layer.getBounds();
    var tileUrl = element.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 18, attribution: element.getAttribute("data-tile-attribution") || "" }).addTo(map);
    } else {
      element.classList.add("no-tiles");
      drawGraticule(map, bounds.isValid() ? bounds : L.latLngBounds(FRANCE));
    }
    // Points alone stop at zoom 12 (one marker must not zoom to the street); lines and areas
    // (a district, a network) are fitted as they are, down to the street.
    var pointsOnly = data.features.every(function (f) { return f.geometry && f.geometry.type === "Point"; });
    map.fitBounds(bounds.pad(0.1), { maxZoom: pointsOnly ? 12 : 18 });
  }

  // After every deferred script: a later map of the page may bring markercluster.
  function drawAll() { document.querySelectorAll("[data-territoria-map]").forEach(draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
})();
