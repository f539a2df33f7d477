"""Response headers that limit what a page may load and who may frame it; proxy trust.

The Content-Security-Policy allows scripts only from this site and the one pinned htmx URL. A CSP
cannot carry a Subresource Integrity hash per URL, so the page's `integrity` attribute pins the
file's content and the policy pins where it may come from. No inline script, no `eval`.

Inline `<style>` elements need the request's nonce (`{{ csp_nonce() }}` in templates); inline
`style="..."` attributes are refused, so label colours and widths come from CSS classes.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from annotator.web.assets import HTMX_URL


def csp_nonce() -> str:
    """The request's nonce for inline `<style>` elements (one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str | None = None) -> str:
    """The policy for one response; `nonce` admits the page's own inline `<style>` elements."""
    style = "style-src 'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {HTMX_URL}",
            style,
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def add_security_headers(response: Response) -> Response:
    """Set the policy headers on every response (pages, fragments, JSON, errors, static)."""
    response.headers["Content-Security-Policy"] = content_security_policy(g.get("csp_nonce"))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html" or response.is_json:
        # Pages and API answers carry per-user data: never kept by shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


class SQLiteIntegerConverter(IntegerConverter):
    """`<int:...>` limited to what SQLite can hold: a larger id in a path is a 404, not a 500."""

    LIMIT = 2**63 - 1

    def __init__(self, url_map, fixed_digits=0, min=0, max=None, signed=False):  # noqa: A002
        bounded = self.LIMIT if max is None or max > self.LIMIT else max
        super().__init__(url_map, fixed_digits, min, bounded, signed)


def init_app(app: Flask) -> None:
    """Register the headers; with HTTPS on, send HSTS; trust N reverse proxies if configured.

    Called before the blueprints register, so that their `<int:...>` rules use the bounded
    converter (found by the fuzz test: /documents/9223372036854775808 overflowed SQLite).
    """
    app.url_map.converters["int"] = SQLiteIntegerConverter
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    if app.config.get("HTTPS"):

        @app.after_request
        def strict_transport(response: Response) -> Response:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            return response

    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Behind nginx/Caddy the client address (login limits per address) and the scheme come
        # from X-Forwarded-For and -Proto; trust exactly as many hops as there are proxies.
        # X-Forwarded-Host and -Prefix only when configured: the documented nginx set-up does
        # not overwrite them, so a client's "X-Forwarded-Prefix: //evil.example" would reach
        # every redirect (Location: //evil.example/login).
        trusted = {h.strip().lower() for h in str(app.config.get("PROXY_HEADERS") or "").split(",")}
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=proxies,
            x_proto=proxies,
            x_host=proxies if "host" in trusted else 0,
            x_prefix=proxies if "prefix" in trusted else 0,
        )
