"""WSGI entry point: `gunicorn wsgi:app -c gunicorn.conf.py`, `flask --app wsgi …`."""

from core.app import create_app

app = create_app()
