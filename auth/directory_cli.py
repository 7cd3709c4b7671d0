"""`flask --app wsgi directory issue`: test credentials from the sandbox directory (demo only)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import click
from flask import current_app
from flask.cli import AppGroup

from auth.sandbox_directory import SandboxDirectoryError

directory_cli = AppGroup("directory", help="The sandbox directory: test QWAC, QSealC and "
                         "software statement for a developer (demo mode only).")


@directory_cli.command("issue")
@click.option("--org", required=True, help="The organisation's name")
@click.option("--roles", required=True, help="PSD2 roles, comma-separated: PSP_AI (accounts), "
              "PSP_PI (payee checks), PSP_AS, PSP_IC")
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="https redirect URI for the software statement (repeat for several)")
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the files "
              "(default: the demo folder's directory/<org>)")
def issue(org, roles, redirect_uris, out):
    """Issue a QWAC, a QSealC and a software statement the demo trusts."""
    sandbox = current_app.extensions.get("auth.sandbox_directory")
    if sandbox is None:
        raise click.ClickException("the sandbox directory exists only in demo mode (DEMO_DATA);"
                                   " in production, get certificates from a QTSP and a "
                                   "software statement from your directory")
    try:
        credentials = sandbox.issue(org, roles, redirect_uris or ("https://localhost/callback",))
    except SandboxDirectoryError as exc:
        raise click.ClickException(str(exc)) from exc
    slug = re.sub(r"[^a-z0-9]+", "-", org.lower()).strip("-") or "tpp"
    folder = Path(out) if out else sandbox.folder / slug
    written = credentials.write(folder)
    issuer = current_app.config["ISSUER"]
    click.echo(f"organizationIdentifier {credentials.organization_identifier}, roles "
               f"{','.join(credentials.roles)}, software_id {credentials.software_id}")
    for path in written:
        click.echo(f"wrote {path}")
    header = current_app.config["CLIENT_CERT_HEADER"]
    click.echo("\nRegister (your QWAC travels in the TLS proxy's header):\n"
               f"curl -s {issuer}/register -H 'Content-Type: application/json' \\\n"
               f"  -H \"{header}: $(python3 -c 'import sys,urllib.parse;print(urllib.parse."
               f"quote(open(sys.argv[1]).read(),safe=\"\"))' {quote(str(folder))}/qwac.pem)\" \\\n"
               f"  -d \"{{\\\"software_statement\\\": \\\"$(cat {folder}/software-statement.jwt)"
               "\\\"}\"")


def init_app(app) -> None:
    app.cli.add_command(directory_cli)
