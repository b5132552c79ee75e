// Builds the browser assets the package ships (no CDN at run time) into src/rootcauses/web/static:
// partial plotly.js bundles (plotly-entry.js for every page, plotly-maps-entry.js for the maps),
// world-atlas country outlines and Swagger UI 5 from swagger-ui-dist, each with its licence. VENDOR.md there records the versions; update it with the pins in package.json.
import { byM49 } from "country-iso-search";
import { build } from "esbuild";
import { feature } from "topojson-client";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "rootcauses", "web", "static");
const pkg = (name) => join(here, "node_modules", name);
const version = (name) => JSON.parse(readFileSync(join(pkg(name), "package.json"))).version;

// Two bundles: every page's (plotly-entry.js) and the Drivers page's with the maps
// (plotly-maps-entry.js). The trace modules an entry registers are named in its bundle's first
// line (a test reads it).
const BUNDLES = { "plotly-entry.js": "plotly-custom.min.js", "plotly-maps-entry.js": "plotly-maps.min.js" };
for (const [source, bundle] of Object.entries(BUNDLES)) {
  const entry = readFileSync(join(here, source), "utf8");
  const traces = ["scatter", ...[...entry.matchAll(/plotly\.js\/lib\/(\w+)'/g)].map((m) => m[1]).filter((t) => t !== "core")];
  await build({
    entryPoints: [join(here, source)],
    outfile: join(out, bundle),
    bundle: true,
    minify: true,
    format: "iife",
    globalName: "Plotly",
    target: "es2016",
    define: { global: "window", "define.amd": "false" },
    alias: { stream: "stream-browserify" },
    loader: { ".css": "empty" }, // maplibre's CSS: only the (unused) map subplot needs it
    legalComments: "none",
    banner: { js: `/* plotly.js v${version("plotly.js")} partial bundle (${traces.join(", ")}); MIT licence: plotly.LICENSE.txt */` },
    logLevel: "warning",
  });
}
copyFileSync(join(pkg("plotly.js"), "LICENSE"), join(out, "plotly.LICENSE.txt"));
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(pkg("swagger-ui-dist"), file), join(out, file));
}
copyFileSync(join(pkg("swagger-ui-dist"), "LICENSE"), join(out, "swagger-ui.LICENSE.txt"));
copyFileSync(join(pkg("swagger-ui-dist"), "NOTICE"), join(out, "swagger-ui.NOTICE.txt"));

// Country outlines for the maps: world-atlas (Natural Earth 1:50m, public domain) cut to the
// countries around the Northern Triangle, ids ISO 3166-1 alpha-3 (plotly's "ISO-3" location
// mode). Written as the base map plotly's geo subplot loads (world_50m.json, objects "countries"
// and "land"), so with topojsonURL set to this file's folder plotly fetches nothing from its CDN.
const AMERICAS = { lon: [-125, -55], lat: [-5, 34] };
const atlas = JSON.parse(readFileSync(join(pkg("world-atlas"), "countries-50m.json")));
const EUROPEAN = new Set(["250", "528"]); // France, the Netherlands: their Caribbean parts only add Europe
const inBox = (geometry) => {
  const text = JSON.stringify(feature(atlas, geometry).geometry.coordinates);
  return text.match(/-?[\d.]+,-?[\d.]+/g).some((p) => {
    const [lon, lat] = p.split(",").map(Number);
    return lon >= AMERICAS.lon[0] && lon <= AMERICAS.lon[1] && lat >= AMERICAS.lat[0] && lat <= AMERICAS.lat[1];
  });
};
const kept = atlas.objects.countries.geometries.filter((g) => g.id && byM49.has(g.id) && !EUROPEAN.has(g.id) && inBox(g));
const arcIndex = new Map(); // old arc index -> new
const remap = (arcs) => (typeof arcs === "number"
  ? (arcs < 0 ? ~remapOne(~arcs) : remapOne(arcs))
  : arcs.map(remap));
const remapOne = (i) => {
  if (!arcIndex.has(i)) arcIndex.set(i, arcIndex.size);
  return arcIndex.get(i);
};
const countries = kept.map((g) => ({
  type: g.type, arcs: remap(g.arcs), id: byM49.get(g.id).iso3, properties: { name: g.properties.name },
}));
const arcs = [...arcIndex.keys()].map((i) => atlas.arcs[i]);
const base = {
  type: "Topology",
  transform: atlas.transform,
  objects: {
    countries: { type: "GeometryCollection", geometries: countries },
    land: { type: "GeometryCollection", geometries: countries.map(({ type, arcs }) => ({ type, arcs })) },
  },
  arcs,
};
writeFileSync(join(out, "world_50m.json"), JSON.stringify(base));
copyFileSync(join(pkg("world-atlas"), "LICENSE"), join(out, "world-atlas.LICENSE.txt"));
console.log(`world-atlas ${version("world-atlas")}: ${countries.length} countries (${countries.map((c) => c.id).join(" ")})`);
console.log(`plotly.js ${version("plotly.js")}, swagger-ui-dist ${version("swagger-ui-dist")} -> ${out}`);
