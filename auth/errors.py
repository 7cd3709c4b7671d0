"""OAuth error answers: `{"error", "error_description"}` JSON as RFC 6749 §5.2, RFC 7591 §3.2.2,
RFC 9126 and RFC 9449 require. The OAuth endpoints are the one place not answering problem+json,
because every OAuth client library parses this shape.
"""

from __future__ import annotations

from flask import jsonify


class OAuthError(Exception):
    status = 400

    def __init__(self, error: str, description: str = "", *, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status or self.status
        self.headers = headers or {}

    def to_response(self):
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        response = jsonify(body)
        response.status_code = self.status
        response.headers["Cache-Control"] = "no-store"
        for key, value in self.headers.items():
            response.headers[key] = value
        return response


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def invalid_client(description: str) -> OAuthError:
    # RFC 6749 §5.2: 401 for a failed client authentication.
    return OAuthError("invalid_client", description, status=401)


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def invalid_scope(description: str) -> OAuthError:
    return OAuthError("invalid_scope", description)


def invalid_dpop_proof(description: str) -> OAuthError:
    return OAuthError("invalid_dpop_proof", description)


def unavailable(description: str) -> OAuthError:
    return OAuthError("temporarily_unavailable", description, status=503,
                      headers={"Retry-After": "5"})
