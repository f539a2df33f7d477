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
from flask_wtf.csrf import CSRFProtect

from annotator.core.errors import AppError
from annotator.services import accounts
from annotator.store import logins
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


# Login limits: failures per user name and per client address within a sliding window. The
# address limit is higher because one institute's NAT may carry a whole class of annotators.
LOGIN_DEFAULTS = {
    "LOGIN_WINDOW": 15 * 60,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
}


def _login_setting(name: str) -> int:
    return int(current_app.config.get(name, LOGIN_DEFAULTS[name]))


def login_retry_after(db, name: str, address: str, now: float) -> int:
    """Seconds until this user name and address may try again (0: now)."""
    window = _login_setting("LOGIN_WINDOW")
    wait = 0.0
    for times, limit in (
        (logins.failure_times(db, username=name, since=now - window), "LOGIN_MAX_FAILURES"),
        (
            logins.failure_times(db, address=address, since=now - window),
            "LOGIN_MAX_FAILURES_PER_ADDRESS",
        ),
    ):
        limit = _login_setting(limit)
        if len(times) >= limit:
            # Allowed again once so many failures have aged out that fewer than `limit` remain.
            wait = max(wait, times[len(times) - limit] + window - now)
    return math.ceil(wait) if wait > 0 else 0


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    headers = {}
    if request.method == "POST":
        name = request.form.get("username", "")
        password = request.form.get("password", "")
        address = request.remote_addr or "unknown"
        db = get_db()
        now = time.time()
        wait = login_retry_after(db, name, address, now)
        if wait:
            # Checked before the password, and the same for names that do not exist.
            error = f"Too many failed logins. Try again in {math.ceil(wait / 60)} minute(s)."
            status, headers = 429, {"Retry-After": str(wait)}
        else:
            user = accounts.authenticate(db, name, password)
            if user is not None:
                logins.clear_user(db, name)
                session.clear()
                session["user_id"] = user.id
                session["epoch"] = user.session_epoch
                return redirect(_safe_next(request.args.get("next") or request.form.get("next")))
            logins.record_failure(db, name, address, now, _login_setting("LOGIN_WINDOW"))
            error = "Wrong user name or password."
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
