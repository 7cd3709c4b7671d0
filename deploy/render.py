"""Fill deploy/nginx.conf's placeholders: the paths, the listening address and the instances.

    python deploy/render.py --listen 443 --server-name api.example.com \\
        --cert /etc/obhub/tls/server.pem --key /etc/obhub/tls/server.key \\
        --upstream 10.0.0.11:8000 --upstream 10.0.0.12:8000 --prefix /var/lib/obhub-nginx \\
        > /etc/nginx/obhub.conf
    nginx -p /var/lib/obhub-nginx -c /etc/nginx/obhub.conf

Standard library only, so it runs wherever nginx does; the topology tests render through it too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf")


def render(*, listen: str, server_name: str, cert: str, key: str, upstreams: list[str],
           prefix: str, cert_header: str = "X-SSL-Client-Cert", proxy_bind: str = "",
           max_fails: int = 3, fail_timeout: int = 5, user: str = "www-data",
           drained: tuple[str, ...] = ()) -> str:
    """The configuration; instances in `drained` are marked `down`: nginx, once reloaded,
    sends them nothing new and lets its idle connections to them close, so they can be
    stopped without a request in flight on a connection they are closing."""
    if not upstreams:
        raise ValueError("give at least one --upstream host:port")
    servers = "\n".join(f"        server {u} max_fails={max_fails} fail_timeout={fail_timeout}s"
                        f"{' down' if u in drained else ''};" for u in upstreams)
    # the service trusts the certificate header from TRUSTED_PROXIES only: binding the proxy's
    # side of the connection to one address makes that address the one to list there
    bind = f"            proxy_bind {proxy_bind};" if proxy_bind else ""
    values = {"PREFIX": prefix.rstrip("/"), "USER": user, "LISTEN": listen,
              "SERVER_NAME": server_name,
              "SERVER_CERT": cert, "SERVER_KEY": key, "CERT_HEADER": cert_header,
              "UPSTREAM_SERVERS": servers, "PROXY_BIND": bind}
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError("a placeholder of deploy/nginx.conf has no value")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="443", help="address:port or port for TLS")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--cert", required=True, help="server certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="server private key (PEM)")
    parser.add_argument("--upstream", action="append", default=[], required=True,
                        help="a service instance, host:port (repeat for each)")
    parser.add_argument("--prefix", required=True, help="directory for pid, logs, temp files")
    parser.add_argument("--cert-header", default="X-SSL-Client-Cert",
                        help="the service's CLIENT_CERT_HEADER")
    parser.add_argument("--proxy-bind", default="",
                        help="source address towards the instances (then TRUSTED_PROXIES)")
    parser.add_argument("--user", default="www-data",
                        help="nginx's worker processes run as this user (when started as root)")
    parser.add_argument("--drain", action="append", default=[],
                        help="an --upstream to mark down before restarting it (repeatable)")
    parser.add_argument("--max-fails", type=int, default=3)
    parser.add_argument("--fail-timeout", type=int, default=5, help="seconds")
    args = parser.parse_args(argv)
    try:
        text = render(listen=args.listen, server_name=args.server_name, cert=args.cert,
                      key=args.key, upstreams=args.upstream, prefix=args.prefix,
                      cert_header=args.cert_header, proxy_bind=args.proxy_bind,
                      max_fails=args.max_fails, fail_timeout=args.fail_timeout,
                      user=args.user, drained=tuple(args.drain))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
