// The Drivers page's bundle: what plotly-entry.js has, plus choropleth for the maps (countries
// from world-atlas, departments from the store).
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/choropleth')]);
module.exports = Plotly;
