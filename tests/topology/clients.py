"""TPP clients of the topology suite: examples/tpp_client.py's `Tpp` (DPoP, private_key_jwt),
talking through the proxy or to one instance directly, and the same client authenticating
with its TLS certificate instead (tls_client_auth / self_signed_tls_client_auth)."""

from __future__ import annotations

import httpx

from tests.consent.live import load_example

Tpp = load_example().Tpp


def dpop_tpp(http: httpx.Client, client: dict) -> Tpp:
    """A demo client (private_key_jwt, DPoP) whose requests go through `http`."""
    tpp = Tpp(str(http.base_url).rstrip("/"), client, out=lambda *_: None)
    tpp.http.close()
    tpp.http = http
    tpp.discover()
    return tpp


def direct(tpp: Tpp, base: str, path: str, token: str, method: str = "GET",
           **kwargs) -> httpx.Response:
    """A DPoP-bound call sent straight to one instance at `base`: the proof names the public
    URL (the issuer's), which is what every instance checks it against."""
    headers = {"Authorization": f"DPoP {token}",
               "DPoP": tpp.proof(method, tpp.meta["issuer"] + path, token),
               **kwargs.pop("headers", {})}
    return tpp.http.request(method, base + path, headers=headers, **kwargs)


class MtlsTpp(Tpp):
    """The same steps, authenticated by the TLS client certificate `http` presents; tokens
    are bound to that certificate (`cnf.x5t#S256`) and sent as Bearer."""

    def __init__(self, http: httpx.Client, client_id: str, redirect_uri: str) -> None:
        self.http = http
        self.client = {"client_id": client_id, "redirect_uri": redirect_uri}
        self.meta: dict = {}
        self.nonce = None
        self.out = lambda *_: None
        self.discover()

    def assertion(self) -> dict:
        return {"client_id": self.client["client_id"]}

    def post(self, endpoint: str, data: dict) -> httpx.Response:
        return self.http.post(self.meta[endpoint], data=data)

    def call(self, path: str, access_token: str, method: str = "GET", **kwargs
             ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {access_token}", **kwargs.pop("headers", {})}
        return self.http.request(method, self.meta["issuer"] + path, headers=headers, **kwargs)
