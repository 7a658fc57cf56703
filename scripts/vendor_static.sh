#!/usr/bin/env bash
# Copy front-end libraries installed by npm into the static files Django serves.
set -euo pipefail
dest=${1:?destination}
rm -rf "$dest"; mkdir -p "$dest/leaflet"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/"
cp node_modules/@picocss/pico/css/pico.red.min.css "$dest/pico.min.css"
cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images "$dest/leaflet/"
