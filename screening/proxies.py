"""The client's address behind a reverse proxy, believed only when the proxy itself is trusted.

With `PROXY_COUNT=1`, `X-Forwarded-For` names the client. If the app can also be
reached directly, anyone can send that header and pick any address, escaping
every per-address limit. So the header is used only on connections that come
from `TRUSTED_PROXIES` (default: this machine), and dropped from all others.
"""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_FORWARDED",
)


class TrustedProxyFix:
    def __init__(self, wsgi_app, proxy_count: int, trusted: list[str]) -> None:
        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=proxy_count, x_proto=proxy_count, x_host=proxy_count)
        self.trusted = frozenset(trusted)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            return self.proxied(environ, start_response)
        for header in FORWARDED_HEADERS:
            environ.pop(header, None)
        return self.direct(environ, start_response)
