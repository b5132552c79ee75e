"""The dashboard: server-side templates, charts drawn by plotly.js served from the package."""
