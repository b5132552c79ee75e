// The plotly.js parts the dashboard draws with: the core (scatter: lines, markers, filled bands)
// and bar (findings). A page that needs another trace type (e.g. choropleth and scattergeo for
// maps) adds its module here and rebuilds (`npm run build`); build.mjs names them in the banner.
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar')]);
module.exports = Plotly;
