"""Account-access consents that span several banks: the TPP API, PSU authorisation pages,
the PSU dashboard, expiry, and the hash-chained audit trail."""

from __future__ import annotations

from collections.abc import Callable

from auth.hooks import register_authorization_handler
from auth.service import revoke_consent_tokens
from consent import api as consent_api
from consent import business_pages, cli, pages, personal_data
from consent.bankflow import BankGateway
from consent.crypto import load_cipher
from consent.ports import Adapters
from core.banks import BankDirectory
from core.personal_data import hash_key, pseudonym, register


def init_app(app, api) -> None:
    adapters(app)
    api.register_blueprint(consent_api.blp)
    app.register_blueprint(pages.blp)
    app.register_blueprint(business_pages.blp)
    cli.init_app(app)
    register_authorization_handler(app, pages.on_authorize)
    for source in personal_data.sources(app.extensions["redis"]):
        register(app, source)


def adapters(app) -> Adapters:
    """This app's consent adapters, made on first use: by `init_app`, or earlier by a package
    initialised before this one that hands consent its banks or reads through its service."""
    found = app.extensions.get("consent")
    if found is None:
        found = app.extensions["consent"] = Adapters(
            cipher=load_cipher(app.config["TOKEN_ENCRYPTION_KEYS"], app.instance_path),
            revoke_tokens=revoke_consent_tokens)
        key = hash_key(app)
        found.pseudonymise = lambda psu_id: pseudonym(key, psu_id)
    return found


def provide_banks(app, directory: BankDirectory,
                  gateways: Callable[[str], BankGateway]) -> None:
    """The banks a PSU can connect, and the gateway that runs each one's consent flow."""
    found = adapters(app)
    found.banks, found.gateway_factory = directory, gateways
