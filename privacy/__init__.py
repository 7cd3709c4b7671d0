"""Data protection: access requests and erasure for PSUs, the retention purge, and access
reviews. The personal data itself stays with the package that keeps it; each registers its
kinds in the registry of personal data sources (core.personal_data), which this package walks."""

from __future__ import annotations

from privacy import bound, cli, pages


def init_app(app, api) -> None:
    bound.init_metrics(app)
    app.register_blueprint(pages.blp)
    cli.init_app(app)
