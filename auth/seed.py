"""Demo data for `make run`: TPP clients with key pairs in instance/demo/, and demo PSUs.

Private keys are written under the instance folder (git-ignored), never into the repository.
Seeding is idempotent: a client whose name exists is left alone, its key reused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from joserfc import jwk
from sqlalchemy import select

from auth import registry
from auth.models import TppClient
from auth.psu import seed_demo_psus
from core.db import unit_of_work

DEMO_REDIRECT = "https://{slug}.example/callback"
DEMO_CLIENTS = (
    ("budgeting", "Budgeting App", ("AISP",)),
    ("payments", "Payment App", ("COP",)),
    ("bank", "Demo Participant Bank", ("ASPSP",)),
    ("status-operator", "Status Operator", ("STATUS_ADMIN",)),
)


def demo_dir(app) -> Path:
    return Path(app.config.get("DEMO_DIR") or Path(app.instance_path) / "demo")


def _key_for(directory: Path, slug: str) -> jwk.ECKey:
    path = directory / f"{slug}.key.pem"
    if path.exists():
        return jwk.import_key(path.read_bytes(), "EC")
    key = jwk.ECKey.generate_key("P-256")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.as_pem(private=True))
    return key


def seed_demo(app, session) -> list[str]:
    directory = demo_dir(app)
    directory.mkdir(parents=True, exist_ok=True)
    lines, clients = [], {}
    with unit_of_work(session):
        for slug, name, roles in DEMO_CLIENTS:
            key = _key_for(directory, slug)
            existing = session.scalars(select(TppClient).where(TppClient.name == name)).first()
            if existing is None or existing.jwks != {"keys": [_public(key)]}:
                if existing is not None:
                    session.delete(existing)
                    session.flush()
                existing = registry.register_client(
                    session, name=name, roles=roles, jwks={"keys": [_public(key)]},
                    redirect_uris=[DEMO_REDIRECT.format(slug=slug)])
            clients[slug] = {"client_id": existing.client_id, "name": name, "roles": list(roles),
                             "key": str(directory / f"{slug}.key.pem"),
                             "redirect_uri": DEMO_REDIRECT.format(slug=slug)}
            lines.append(f"TPP {name} ({', '.join(roles)}): client_id {existing.client_id}, "
                         f"private key {directory / f'{slug}.key.pem'}")
        seed_demo_psus(session, app.config["DEMO_PSU_PASSWORD"])
    (directory / "clients.json").write_text(json.dumps(clients, indent=2))
    lines.append(f"demo clients written to {directory / 'clients.json'}")
    lines.append(f"PSUs alice, bob, carol: password {app.config['DEMO_PSU_PASSWORD']}")
    return lines


def _public(key: jwk.ECKey) -> dict:
    data = key.as_dict(private=False)
    data["kid"] = key.thumbprint()
    data["alg"] = "ES256"
    data["use"] = "sig"
    return data
