// The map of links (联户地图): households coloured by link status, linkers, and a line from each
// linked household to its linker. Data: a JSON block named by the element's data-link-map:
// {"households": [[lat, lng, status]], "linkers": [[lat, lng, name]], "lines": [[hlat, hlng, llat, llng]]}
// status 0 linked, 1 priority household not linked, 2 not linked.
(function () {
  var COLORS = ["#2e7d32", "#d32f2f", "#9e9e9e"];
  var LINKER = "#1565c0";

  function draw(el) {
    if (el.dataset.drawn) return;
    el.dataset.drawn = "1";
    var block = document.getElementById(el.dataset.linkMap);
    if (!block) return;
    var data = JSON.parse(block.textContent) || {};
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: !!el.dataset.tileUrl, preferCanvas: true });
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    var bounds = L.latLngBounds([]);
    (data.lines || []).forEach(function (l) {
      L.polyline([[l[0], l[1]], [l[2], l[3]]], { color: LINKER, weight: 1, opacity: 0.55, interactive: false }).addTo(map);
    });
    // Not linked first, so that the linked and the priority ones stay on top.
    var households = (data.households || []).slice().sort(function (a, b) { return b[2] - a[2]; });
    households.forEach(function (h) {
      var c = COLORS[h[2]] || COLORS[2];
      L.circleMarker([h[0], h[1]], {
        radius: h[2] === 1 ? 5 : 4, color: c, weight: 1, fillColor: c, fillOpacity: 0.85, interactive: false
      }).addTo(map);
      bounds.extend([h[0], h[1]]);
    });
    (data.linkers || []).forEach(function (k) {
      var m = L.marker([k[0], k[1]], {
        icon: L.divIcon({ className: "link-map-linker", html: "", iconSize: [12, 12] }),
        keyboard: false
      }).addTo(map);
      // A text node: Leaflet reads a string as HTML, and names are typed by people.
      var label = document.createElement("span");
      label.textContent = k[2];
      m.bindTooltip(label);
      bounds.extend([k[0], k[1]]);
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
    else map.setView([23.0, 113.1], 12);
  }

  function init() {
    if (!window.L) return;
    document.querySelectorAll("[data-link-map]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
