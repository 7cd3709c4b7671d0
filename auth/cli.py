"""`flask --app wsgi tpp …`: operator registration of TPPs and DCR initial access tokens."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from auth import registry
from core.db import unit_of_work

tpp_cli = AppGroup("tpp", help="TPP clients of the authorisation server.")


def _session():
    return current_app.extensions["session_factory"]()


def _roles(value: str) -> list[str]:
    return [role.strip().upper() for role in value.split(",") if role.strip()]


@tpp_cli.command("register")
@click.option("--name", required=True, help="The TPP's name, shown to customers")
@click.option("--roles", required=True, help="Comma-separated: AISP, COP, ASPSP, STATUS_ADMIN")
@click.option("--jwks", "jwks_file", type=click.Path(exists=True, dir_okay=False),
              help="File holding the client's public JWK Set")
@click.option("--jwks-uri", help="URL of the client's JWK Set")
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="https redirect URI "
              "(repeat for several)")
@click.option("--tls-subject", help="TLS client certificate subject DN (tls_client_auth)")
@click.option("--auth-method", type=click.Choice(registry.AUTH_METHODS), default=None,
              help="Token endpoint auth method (default: private_key_jwt when keys are given)")
@click.option("--require-signed-request-object", is_flag=True,
              help="Accept only signed request objects (JAR) at /par from this client")
def register(name, roles, jwks_file, jwks_uri, redirect_uris, tls_subject, auth_method,
             require_signed_request_object):
    """Register a TPP and print its client id."""
    jwks = json.loads(Path(jwks_file).read_text()) if jwks_file else None
    with _session() as session, unit_of_work(session):
        try:
            client = registry.register_client(
                session, name=name, roles=_roles(roles), jwks=jwks, jwks_uri=jwks_uri,
                redirect_uris=list(redirect_uris), tls_subject=tls_subject,
                auth_method=auth_method,
                require_signed_request_object=require_signed_request_object)
        except registry.RegistrationError as exc:
            raise click.ClickException(f"{exc.error}: {exc.description}") from exc
        client_id = client.client_id
    click.echo(client_id)


@tpp_cli.command("require-signed-requests")
@click.argument("client_id")
@click.option("--off", is_flag=True, help="Accept plain pushed parameters again")
def require_signed_requests(client_id, off):
    """Require (or, with --off, stop requiring) signed request objects at /par."""
    with _session() as session, unit_of_work(session):
        try:
            registry.set_require_signed_request_object(session, client_id, not off)
        except registry.RegistrationError as exc:
            raise click.ClickException(f"{exc.error}: {exc.description}") from exc
    click.echo(f"{client_id}: signed request objects {'optional' if off else 'required'}")


@tpp_cli.command("list")
def list_tpps():
    """List registered TPPs: client id, roles, auth method, message signing, name."""
    with _session() as session:
        for client in registry.list_clients(session):
            signing = "jws-required" if client.message_signing_required else "jws-optional"
            click.echo(f"{client.client_id}\t{','.join(client.roles)}\t"
                       f"{client.token_endpoint_auth_method}\t{signing}\t{client.name}")


@tpp_cli.command("message-signing")
@click.argument("client_id")
@click.option("--required/--optional", default=True, show_default=True,
              help="Refuse this client's CoP requests without x-jws-signature, or only check "
                   "the signature when one is sent")
def message_signing(client_id, required):
    """Require (or stop requiring) a signed x-jws-signature on a client's CoP requests."""
    with _session() as session, unit_of_work(session):
        try:
            registry.set_message_signing(session, client_id, required)
        except registry.RegistrationError as exc:
            raise click.ClickException(f"{exc.description}: see `tpp list`") from exc
    click.echo(f"{client_id}: x-jws-signature {'required' if required else 'optional'}")


@tpp_cli.command("issue-registration-token")
@click.option("--roles", required=True, help="Roles the registered client will get")
@click.option("--expires-in", default=86400, show_default=True, help="Seconds")
def issue_registration_token(roles, expires_in):
    """Print a single-use initial access token for POST /register (RFC 7591)."""
    with _session() as session, unit_of_work(session):
        try:
            token = registry.issue_registration_token(session, _roles(roles), expires_in)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(token)


def init_app(app) -> None:
    app.cli.add_command(tpp_cli)
