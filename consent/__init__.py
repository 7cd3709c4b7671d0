"""Account-access consents that span several banks: the TPP API, PSU authorisation pages,
the PSU dashboard, expiry, and the hash-chained audit trail."""

from __future__ import annotations


def init_app(app, api) -> None:
    from consent import api as consent_api
    from consent import cli
    from consent.crypto import load_cipher
    from consent.ports import Adapters

    app.extensions["consent"] = Adapters(
        cipher=load_cipher(app.config.get("TOKEN_ENCRYPTION_KEYS", ""), app.instance_path),
        banks_provider=lambda: app.extensions.get("banks"),
        revoke_tokens=_token_revoker(),
    )
    api.register_blueprint(consent_api.blp)
    cli.init_app(app)


def _token_revoker():
    """The authorisation server's revocation by consent, when it offers one."""
    from consent.ports import no_token_store

    try:
        from auth.service import revoke_consent_tokens
    except ImportError:
        return no_token_store
    return revoke_consent_tokens
