// Builds the browser assets the package ships (no CDN at run time) into src/rootcauses/web/static:
// a partial plotly.js bundle (plotly-entry.js) and Swagger UI 5 from swagger-ui-dist, each with
// its licence. VENDOR.md there records the versions; update it with the pins in package.json.
import { build } from "esbuild";
import { copyFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "rootcauses", "web", "static");
const pkg = (name) => join(here, "node_modules", name);
const version = (name) => JSON.parse(readFileSync(join(pkg(name), "package.json"))).version;

// The trace modules plotly-entry.js registers, named in the bundle's first line (a test reads it).
const entry = readFileSync(join(here, "plotly-entry.js"), "utf8");
const traces = ["scatter", ...[...entry.matchAll(/plotly\.js\/lib\/(\w+)'/g)].map((m) => m[1]).filter((t) => t !== "core")];

await build({
  entryPoints: [join(here, "plotly-entry.js")],
  outfile: join(out, "plotly-custom.min.js"),
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
copyFileSync(join(pkg("plotly.js"), "LICENSE"), join(out, "plotly.LICENSE.txt"));
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(pkg("swagger-ui-dist"), file), join(out, file));
}
copyFileSync(join(pkg("swagger-ui-dist"), "LICENSE"), join(out, "swagger-ui.LICENSE.txt"));
copyFileSync(join(pkg("swagger-ui-dist"), "NOTICE"), join(out, "swagger-ui.NOTICE.txt"));
console.log(`plotly.js ${version("plotly.js")}, swagger-ui-dist ${version("swagger-ui-dist")} -> ${out}`);
