"""All sandbox banks in one WSGI app: `gunicorn -w 1 aggregation.sandbox.wsgi:app`.
One worker: a sandbox bank keeps its state in memory."""

from aggregation.sandbox import create_sandbox_app

app = create_sandbox_app()
