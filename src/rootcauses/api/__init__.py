"""The REST API: one FastAPI router per capability, mounted under ``/api`` by the web app."""
