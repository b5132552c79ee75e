// The plotly.js parts every page draws with: the core (scatter: lines, markers, filled bands) and
// bar (findings). The Drivers page's maps need choropleth too: plotly-maps-entry.js, a second
// bundle only that page loads, so the other pages do not carry the geo code. A page that needs
// another trace type adds its module here and rebuilds (`npm run build`); build.mjs names them in
// each bundle's banner.
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar')]);
module.exports = Plotly;
