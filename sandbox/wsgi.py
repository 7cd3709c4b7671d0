"""All sandbox banks in one WSGI app: `gunicorn -w 1 sandbox.wsgi:app`.
One worker: a sandbox bank keeps its state in memory. They trust the clients the service's
bank registry names, read with the service's own settings (the same environment)."""

from core.app import create_app
from sandbox import create_sandbox_app
from sandbox.trust import configured_banks

_service = create_app({"SANDBOX_BANKS_ENABLED": False})
app = create_sandbox_app(configured_banks(_service.config,
                                          _service.extensions["sandbox_clients"]()))
