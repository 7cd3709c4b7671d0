"""Account-access consents that span several banks: the TPP API, PSU authorisation pages,
the PSU dashboard, expiry, and the hash-chained audit trail."""

from __future__ import annotations


def init_app(app, api) -> None:
    from consent import api as consent_api
    from consent import cli, pages
    from consent.crypto import load_cipher
    from consent.ports import Adapters

    app.extensions["consent"] = Adapters(
        cipher=load_cipher(app.config.get("TOKEN_ENCRYPTION_KEYS", ""), app.instance_path),
        banks_provider=lambda: app.extensions.get("banks"),
        revoke_tokens=_token_revoker(),
    )
    api.register_blueprint(consent_api.blp)
    app.register_blueprint(pages.blp)
    cli.init_app(app)
    try:
        from auth.hooks import register_authorization_handler
    except ImportError:  # no authorisation server: the consent screen cannot be reached
        return
    register_authorization_handler(app, pages.on_authorize)


def _token_revoker():
    """The authorisation server's revocation by consent, when it offers one."""
    from consent.ports import no_token_store

    try:
        from auth.service import revoke_consent_tokens
    except ImportError:
        return no_token_store
    return revoke_consent_tokens
