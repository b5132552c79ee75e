// The plotly.js parts the dashboard draws with: the core (scatter: lines, markers, filled bands),
// bar (findings) and choropleth (the drivers' maps: countries from world-atlas, departments from
// the store). A page that needs another trace type adds its module here and rebuilds
// (`npm run build`); build.mjs names them in the banner.
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/choropleth')]);
module.exports = Plotly;
