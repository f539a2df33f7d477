"""Who is asking: session cookie or `Authorization: Bearer`; login, logout, role checks."""

from __future__ import annotations

import functools
import math
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_wtf.csrf import CSRFProtect

from annotator.core.errors import AppError
from annotator.services import accounts
from annotator.store import users as user_store
from annotator.web.db import get_db

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()


def init_app(app) -> None:
    """CSRF on every state-changing request except Bearer-token API calls; load the user."""
    # We call csrf.protect() ourselves so that Bearer requests (no cookie, no CSRF risk) skip it.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    csrf.init_app(app)
    app.before_request(load_user)


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def load_user() -> None:
    g.user = None
    g.via_token = False
    token = bearer_token()
    if token is not None:
        g.user = accounts.user_for_token(get_db(), token)
        g.via_token = True
        if g.user is None:
            raise AppError("invalid or revoked API token", 401)
        return
    # An anonymous API write has no identity to forge: it gets login_required's 401, not a
    # misleading CSRF 400. Forms (login included) are always protected.
    anonymous_api = request.path.startswith("/api/") and session.get("user_id") is None
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    if writes and app_csrf_enabled() and not anonymous_api:
        csrf.protect()
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = user_store.get_user_by_id(get_db(), user_id)
    if user is None or user.disabled or user.session_epoch != session.get("epoch"):
        session.clear()  # disabled, password changed, or logged out elsewhere
        return
    g.user = user


def app_csrf_enabled() -> bool:
    return current_app.config.get("WTF_CSRF_ENABLED", True)


def login_required(view):
    """Anonymous: 401 JSON for the API, a redirect to /login for pages."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            if request.path.startswith("/api/") or request.headers.get("HX-Request"):
                raise AppError("log in first (session cookie or Bearer token)", 401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def lead_required(view):
    """Leads only; annotators get 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.user.role != "lead":
            raise AppError("only leads may do this", 403)
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never an open redirect to another host.
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.index")
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login_limits() -> accounts.LoginLimits:
    """The lockout limits of the app's configuration (LOGIN_WINDOW, LOGIN_MAX_FAILURES, ...)."""
    config, default = current_app.config, accounts.LoginLimits()
    return accounts.LoginLimits(
        int(config.get("LOGIN_WINDOW", default.window)),
        int(config.get("LOGIN_MAX_FAILURES", default.per_name)),
        int(config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", default.per_address)),
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    headers = {}
    if request.method == "POST":
        name = request.form.get("username", "")
        password = request.form.get("password", "")
        address = request.remote_addr or "unknown"
        attempt = accounts.attempt_login(
            get_db(), name, password, address, time.time(), login_limits()
        )
        if attempt.retry_after:
            minutes = math.ceil(attempt.retry_after / 60)
            error = gettext("Too many failed logins. Try again in %(num)s minute(s).", num=minutes)
            status, headers = 429, {"Retry-After": str(attempt.retry_after)}
        elif attempt.user is not None:
            session.clear()
            session["user_id"] = attempt.user.id
            session["epoch"] = attempt.user.session_epoch
            return redirect(_safe_next(request.args.get("next") or request.form.get("next")))
        else:
            error = gettext("Wrong user name or password.")
            status = 401
    page = render_template("login.html", error=error, next=request.args.get("next", ""))
    return page, status, headers


@bp.post("/logout")
def logout():
    if g.get("user") is not None:
        # Ends this user's sessions everywhere, not only this cookie.
        user_store.bump_session_epoch(get_db(), g.user.name)
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/logout")
def logout_get():
    abort(405)
