"""A sandbox bank's OAuth 2.0 server: the PSU sign-in page (authorise), the token endpoint
(authorization_code with PKCE S256, refresh_token, client_credentials) and its metadata.

Client authentication: client_secret_basic / client_secret_post, or private_key_jwt verified
with joserfc, ES256 and PS256 only. The authorise request names the consent the standard's
way: OB `openbanking_intent_id`, Berlin Group `scope=AIS:<consentId>`. A UK bank with a
`profile` holds to the OB security profile instead (signed request objects, PAR, hybrid or
JARM answers, mutual TLS): see fapi.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, render_template_string, request, url_for

from sandbox import fapi
from sandbox.bank import BG
from sandbox.client_auth import ALGS, ASSERTION_TYPE, basic_credentials, verify_assertion
from sandbox.ob_api import ob_error
from sandbox.seed import accounts_of
from sandbox.state import AUTHORISED, AWAITING, REJECTED, BankState

AUTH_FIELDS = ("client_id", "redirect_uri", "state", "code_challenge", "scope",
               "openbanking_intent_id", "auth_request")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ bank.name }} – sign in</title></head><body>
<h1>{{ bank.name }}</h1>
<p>{{ client_id }} asks to read your account information ({{ what }}).</p>
{% if error %}<p role="alert">{{ error }}</p>{% endif %}
<form method="post">
{% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button name="decision" value="approve">Approve</button>
<button name="decision" value="deny">Deny</button>
</form></body></html>"""


def register(bp: Blueprint, state: BankState) -> None:
    bank = state.bank

    def consent_id_from(args) -> str | None:
        if bank.standard == BG:
            scope = args.get("scope", "")
            return next((s[4:] for s in scope.split() if s.startswith("AIS:")), None)
        return args.get("openbanking_intent_id")

    def resolved(values) -> tuple[dict | None, str]:
        """The authorise parameters: as sent, or from the signed request (strict banks)."""
        if bank.profile is None:
            return values, ""
        return fapi.resolve(state, values, issuer())

    def check_request(args) -> tuple[str | None, str]:
        """The consent id, or why the authorise request is refused."""
        if args.get("client_id") not in bank.clients:
            return None, "unknown client_id"
        if bank.profile is None and args.get("response_type", "code") != "code" or \
                not args.get("redirect_uri"):
            return None, "response_type=code and redirect_uri are required"
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            return None, "PKCE with S256 is required"
        consent_id = consent_id_from(args)
        consent = state.consent(consent_id) if consent_id else None
        if consent is None or consent.status != AWAITING:
            return None, "the consent is unknown or no longer awaiting authorisation"
        if consent.client_id not in (None, args.get("client_id")):
            return None, "the consent belongs to another client"
        return consent_id, ""

    def valid_request(values) -> tuple[dict | None, str | None, str]:
        params, problem = resolved(values)
        if params is None:
            return None, None, problem
        consent_id, problem = check_request(params)
        return params, consent_id, problem

    def back(params, **outcome: str):
        if bank.profile is not None:
            return redirect(fapi.answer(state, params, issuer=issuer(), **outcome), code=303)
        return _back(params["redirect_uri"], **outcome, state=params.get("state", ""),
                     iss=issuer())

    @bp.get("/oauth/authorize")
    def authorize():
        params, consent_id, problem = valid_request(request.args)
        if consent_id is None:
            return Response(problem, 400, mimetype="text/plain")
        return _page(bank, params, "")

    @bp.post("/oauth/authorize")
    def authorize_decision():
        form = request.form
        params, consent_id, problem = valid_request(form)
        if consent_id is None:
            return Response(problem, 400, mimetype="text/plain")
        consent = state.consent(consent_id)
        if form.get("decision") != "approve":
            state.transition(consent_id, AWAITING, REJECTED)
            return back(params, error="access_denied")
        username = form.get("username", "")
        if not _password_ok(form.get("password", ""), bank.psu_password) or \
                username not in {a.owner for a in bank.accounts}:
            return _page(bank, params, "Unknown username or wrong password.", 401)
        chosen = _granted(bank.id, username, consent.access)
        if not chosen:
            state.transition(consent_id, AWAITING, REJECTED)
            return back(params, error="access_denied")
        if not state.transition(consent_id, AWAITING, AUTHORISED, psu=username,
                                accounts=chosen, client_id=params["client_id"]):
            return Response("the consent was answered already", 409, mimetype="text/plain")
        code = state.issue_code(consent_id=consent_id, client_id=params["client_id"],
                                redirect_uri=params["redirect_uri"],
                                challenge=params["code_challenge"])
        return back(params, code=code)

    @bp.post("/oauth/par")
    def par():
        """RFC 9126 with a signed request object (FAPI 1.0 Advanced); strict banks only."""
        if bank.profile is None or not bank.profile.par:
            return _oauth_error("invalid_request", "this bank has no PAR endpoint", 404)
        client_id, problem = authenticate_client(url_for(".par", _external=True))
        if client_id is None:
            return _oauth_error("invalid_client", problem, 401)
        uri, problem = fapi.push(state, request.form.get("request", ""), issuer=issuer(),
                                 client_id=client_id)
        if uri is None:
            error, _, description = problem.partition(": ")
            return _oauth_error(error, description)
        response = jsonify({"request_uri": uri, "expires_in": fapi.PAR_TTL})
        response.status_code = 201
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/.well-known/jwks.json")
    def jwks():
        return jsonify(state.keys.jwks())

    @bp.before_request
    def mutual_tls():
        """A bank holding to mutual TLS serves nothing but discovery without a certificate."""
        if bank.profile is None or not bank.profile.mtls or \
                "/.well-known/" in request.path or "/admin/" in request.path or \
                fapi.client_certificate(request.environ):
            return None
        if request.path.endswith(("/oauth/token", "/oauth/par")):
            return _oauth_error("invalid_client", "a client certificate is required "
                                "(mutual TLS)", 401)
        if request.path.endswith("/oauth/authorize"):
            return None  # the PSU's browser: no client certificate
        return ob_error(401, "U000", "A client certificate is required (mutual TLS).")

    @bp.post("/oauth/token")
    def token():
        client_id, problem = authenticate_client(url_for(".token", _external=True))
        if client_id is None:
            return _oauth_error("invalid_client", problem, 401)
        grant = request.form.get("grant_type")
        if grant == "client_credentials":
            value, issued = state.issue_token("client", client_id, None,
                                              request.form.get("scope", "accounts"))
            return _token_answer(value, issued, state)
        if grant == "authorization_code":
            code = state.take_code(request.form.get("code", ""))
            verifier = request.form.get("code_verifier", "")
            if code is None or code.client_id != client_id or \
                    code.redirect_uri != request.form.get("redirect_uri") or \
                    not hmac.compare_digest(_s256(verifier), code.challenge):
                return _oauth_error("invalid_grant", "bad code, redirect_uri or verifier")
            value, issued = state.issue_token("psu", client_id, code.consent_id, "accounts")
            refresh = state.issue_refresh_token(client_id, code.consent_id, "accounts")
            return _token_answer(value, issued, state, refresh)
        if grant == "refresh_token":
            with state.lock:
                held = state.refresh_tokens.get(request.form.get("refresh_token", ""))
            consent = state.consent(held.consent_id) if held else None
            if held is None or held.client_id != client_id or consent is None or \
                    consent.status != AUTHORISED:
                return _oauth_error("invalid_grant", "refresh token not valid")
            value, issued = state.issue_token("psu", client_id, held.consent_id, held.scope)
            return _token_answer(value, issued, state)
        return _oauth_error("unsupported_grant_type", "not supported")

    @bp.get("/.well-known/openid-configuration")
    @bp.get("/.well-known/oauth-authorization-server")
    def metadata():
        document = {
            "issuer": issuer(),
            "authorization_endpoint": url_for(".authorize", _external=True),
            "token_endpoint": url_for(".token", _external=True),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token",
                                      "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(ALGS),
            "authorization_response_iss_parameter_supported": True,
        }
        if bank.profile is not None:
            document.update(fapi.metadata(bank.profile, {
                "jwks": url_for(".jwks", _external=True),
                "par": url_for(".par", _external=True)}))
        return jsonify(document)

    def issuer() -> str:
        return url_for(".metadata", _external=True).rsplit("/.well-known/", 1)[0]

    def authenticate_client(endpoint: str) -> tuple[str | None, str]:
        form = request.form
        if form.get("client_assertion_type") == ASSERTION_TYPE:
            return verify_assertion(state, form.get("client_assertion", ""),
                                     {endpoint, issuer()})
        if bank.profile is not None:  # FAPI: no client secrets
            return fapi.tls_client(state, request.environ, form.get("client_id"))
        client_id, secret = basic_credentials(request.headers.get("Authorization", ""))
        if client_id is None:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        client = bank.clients.get(client_id or "")
        if client is None or not client.secret or not secret or \
                not hmac.compare_digest(client.secret.encode(), secret.encode()):
            return None, "client authentication failed"
        return client_id, ""


def _granted(bank_id: str, username: str, access: dict) -> tuple[str, ...]:
    """All the PSU's accounts, or only those a Berlin Group consent names by IBAN."""
    mine = accounts_of(bank_id, username)
    named = {ref.get("iban") for key in ("accounts", "balances", "transactions")
             for ref in access.get(key) or () if isinstance(ref, dict)}
    return tuple(a.id for a in mine if not named or a.identification in named)


def _page(bank, values, error: str, status: int = 200):
    fields = {k: values.get(k) for k in AUTH_FIELDS if values.get(k)}
    fields["code_challenge_method"] = "S256"
    what = values.get("scope", "") if bank.standard == BG else "accounts and balances"
    html = render_template_string(PAGE, bank=bank, client_id=values.get("client_id"),
                                  what=what, fields=fields, error=error)
    return Response(html, status, mimetype="text/html")


def _back(redirect_uri: str, **params: str):
    separator = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + separator + urlencode(params), code=303)


def _token_answer(value, issued, state: BankState, refresh: str | None = None):
    body = {"access_token": value, "token_type": "Bearer",
            "expires_in": int((issued.expires - state.now()).total_seconds()),
            "scope": issued.scope}
    if refresh:
        body["refresh_token"] = refresh
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _oauth_error(error: str, description: str, status: int = 400):
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="token"'
    return response


def _password_ok(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
