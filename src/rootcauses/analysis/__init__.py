"""Models that read the analysis panel: driver regressions and encounter forecasts."""
