"""Errors rendered in one place: JSON for the API, a fragment for htmx, a page otherwise."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from annotator.core.errors import AppError, NeedsConfirmation
from annotator.web.messages import shown_message


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def render_error(message: str, status: int):
    """The error response for the current request's kind."""
    if wants_json():
        return jsonify(error=message), status
    message = shown_message(message)
    if request.headers.get("HX-Request"):
        return render_template("_error.html", message=message), status
    # Not `message`: base.html would show it a second time in the flash region.
    page = render_template("error.html", error_message=message, status=status, error_page=True)
    return page, status


def init_app(app: Flask) -> None:
    @app.errorhandler(AppError)
    def app_error(exc: AppError):
        body, status = render_error(exc.message, exc.status)
        headers = {"X-Needs-Confirmation": "1"} if isinstance(exc, NeedsConfirmation) else {}
        return body, status, headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = {413: "the request body is too large"}.get(exc.code, exc.description)
        response = render_error(message or exc.name, exc.code or 500)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return render_error("internal error; the change was not saved", 500)
