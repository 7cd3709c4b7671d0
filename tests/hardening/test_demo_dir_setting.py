"""`DEMO_DIR` is a documented setting (auth README); it must be read from the environment,
or `demo load` for a second server (the soak run) overwrites the checkout's instance/demo."""

from __future__ import annotations

from auth import seed
from core.app import create_app


def test_demo_dir_comes_from_the_environment(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("DEMO_DIR", str(tmp_path / "elsewhere"))
    app = create_app({"DATABASE_URL": database_url, "SIGNING_KEYS_DIR": str(tmp_path / "k")})
    assert seed.demo_dir(app) == tmp_path / "elsewhere"
    app.extensions["engine"].dispose()
