// The plotly.js parts the dashboard draws with: the core (scatter: lines, markers, filled bands),
// bar (findings) and the geo traces (choropleth, scattergeo) for maps. Add a trace module here and
// rebuild (`npm run build`) before a page uses a new trace type.
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([
  require('plotly.js/lib/bar'),
  require('plotly.js/lib/scattergeo'),
  require('plotly.js/lib/choropleth'),
]);
module.exports = Plotly;
