// The small map of a grid node: its boundary and its children's, drawn from GeoJSON.
// Without a configured tile layer the polygons still draw on a plain background.
(function () {
  function draw(el) {
    var data = JSON.parse(document.getElementById(el.dataset.map).textContent);
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: !!el.dataset.tileUrl });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    }
    var layer = L.geoJSON(data, {
      style: function (f) {
        return f.properties.role === "self"
          ? { color: "#b71c1c", weight: 3, fillOpacity: 0.04 }
          : { color: "#1f5f8b", weight: 1.5, fillOpacity: 0.12 };
      },
      onEachFeature: function (f, l) {
        if (f.properties.role === "child") {
          // A text node: Leaflet would read a string as HTML, and names are typed by people.
          var label = document.createElement("span");
          label.textContent = f.properties.name;
          l.bindTooltip(label, { sticky: true });
          if (f.properties.url) l.on("click", function () { window.location = f.properties.url; });
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
    else map.setView([23.0, 113.1], 12);
  }
  function init() {
    if (!window.L) return;
    document.querySelectorAll("[data-map]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
