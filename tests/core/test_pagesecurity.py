"""Every HTML page: strict CSP, no framing, no referrer, no sniffing, no caching of PSU data,
hardened cookies (RFC 9700 §4.16)."""

from __future__ import annotations

import re

import pytest
from flask import Flask, make_response

from core.pagesecurity import CONTENT_SECURITY_POLICY, harden_cookie, secure_response
from tests.fixtures.auth import PSU_PASSWORD

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)


def assert_page_headers(resp, *, psu_data=True):
    assert resp.mimetype == "text/html", resp.status_code
    csp = resp.headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "img-src 'self' data:", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    if psu_data:
        assert resp.headers["Cache-Control"] == "no-store"


def assert_no_inline_code(resp):
    assert not INLINE.search(resp.get_data(as_text=True)), INLINE.search(
        resp.get_data(as_text=True))


def test_authorisation_pages(make_tpp, make_psu):
    make_psu("alice")
    tpp = make_tpp()
    resp, _, _ = tpp.par("accounts")
    uri = resp.get_json()["request_uri"]
    page = tpp.client.get(f"/authorize?client_id={tpp.client_id}&request_uri={uri}")
    assert page.status_code == 200
    assert_page_headers(page)
    assert_no_inline_code(page)
    approve = tpp.client.post("/authorize", data={"action": "sign_in", "request_uri": uri,
                                                  "username": "alice", "password": PSU_PASSWORD})
    assert approve.status_code == 200 and 'value="approve"' in approve.get_data(as_text=True)
    assert_page_headers(approve)
    assert_no_inline_code(approve)


def test_authorisation_error_page(client):
    page = client.get("/authorize")
    assert page.status_code == 400
    assert_page_headers(page)
    assert_no_inline_code(page)


def test_dashboard_and_sign_in(client, make_psu):
    make_psu("alice")
    sign_in = client.get("/psu/consents")
    assert_page_headers(sign_in)
    assert_no_inline_code(sign_in)
    dashboard = client.post("/psu/sign-in", data={"username": "alice", "password": PSU_PASSWORD})
    cookies = dashboard.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # the test issuer is http://localhost
    page = client.get("/psu/consents")
    assert page.status_code == 200
    assert_page_headers(page)
    assert_no_inline_code(page)


def test_status_page(client):
    page = client.get("/status")
    assert page.status_code == 200
    assert_page_headers(page, psu_data=False)
    assert_no_inline_code(page)


def test_docs_console(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert_page_headers(page, psu_data=False)


@pytest.mark.parametrize("path", ["/static/psu/psu.css", "/static/portal/portal.css",
                                  "/assets/status/status.css"])
def test_stylesheets_are_served_from_this_origin(client, path):
    resp = client.get(path)
    assert resp.status_code == 200 and resp.mimetype == "text/css"


def test_json_answers_carry_no_page_policy(client):
    resp = client.get("/.well-known/oauth-authorization-server")
    assert "Content-Security-Policy" not in resp.headers


@pytest.mark.parametrize(("cookie", "secure", "expected"), [
    ("a=1", False, "a=1; HttpOnly; SameSite=Lax"),
    ("a=1", True, "a=1; HttpOnly; SameSite=Lax; Secure"),
    ("a=1; Secure; HttpOnly; SameSite=Strict", True, "a=1; Secure; HttpOnly; SameSite=Strict"),
    ("a=1; Path=/; httponly", False, "a=1; Path=/; httponly; SameSite=Lax"),
])
def test_harden_cookie(cookie, secure, expected):
    assert harden_cookie(cookie, secure=secure) == expected


def test_cookies_secure_over_https():
    app = Flask(__name__)
    with app.test_request_context():
        response = make_response("<p>x</p>")
        response.set_cookie("sid", "v")
        secure_response(response, https=True)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["X-Frame-Options"] == "DENY"
