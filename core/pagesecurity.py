"""Headers every HTML page carries, set in one after_request hook (RFC 9700 §4.16, OWASP).

The pages a PSU sees (sign-in, consent approval, dashboard) must not be framed by another site,
else a clickjacking overlay can make the PSU approve access they never meant to give; the
status page and the /docs console get the same policy so that no page is the weak one:
- `Content-Security-Policy`: scripts, styles and everything else from this origin only, no
  inline script or style, images also as `data:` URLs, `frame-ancestors 'none'` (framing
  refused by current browsers), `base-uri 'none'`. No `form-action`: browsers apply it to the
  redirects that follow a form post too, and the approval form must redirect the PSU on to
  each bank's own sign-in page and back to the TPP's `redirect_uri`, on other origins;
- `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`;
- `Referrer-Policy: no-referrer`: an authorisation page's URL carries a `request_uri`, a
  callback's a code; no page should leak them to the next site;
- `X-Content-Type-Options: nosniff`, and `Cache-Control: no-store` unless the page chose its
  own caching (only the public status page does).
Every cookie, whoever sets it, leaves `HttpOnly` and `SameSite` (Lax unless set stricter) and,
when the issuer is https, `Secure`.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def harden_cookie(value: str, *, secure: bool) -> str:
    """The Set-Cookie value with HttpOnly, SameSite and (over https) Secure added if missing."""
    attributes = {part.strip().split("=", 1)[0].lower() for part in value.split(";")[1:]}
    if "httponly" not in attributes:
        value += "; HttpOnly"
    if "samesite" not in attributes:
        value += "; SameSite=Lax"
    if secure and "secure" not in attributes:
        value += "; Secure"
    return value


def secure_response(response, *, https: bool):
    if response.mimetype == "text/html":
        response.headers.update(PAGE_HEADERS)
        response.headers.setdefault("Cache-Control", "no-store")
    cookies = response.headers.getlist("Set-Cookie")
    if cookies:
        response.headers.remove("Set-Cookie")
        for cookie in cookies:
            response.headers.add("Set-Cookie", harden_cookie(cookie, secure=https))
    return response


def init_app(app) -> None:
    https = app.config["ISSUER"].startswith("https://")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=https)

    @app.after_request
    def _page_headers(response):
        return secure_response(response, https=https)
