"""The floor under the app: one-route Flask apps served by the same gunicorn command."""
