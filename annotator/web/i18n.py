"""The interface language, German or English (Flask-Babel over the catalogues in
annotator/translations): `?lang=de|en` (the header's switch) chooses and is remembered in a
cookie, else the browser's Accept-Language; English when neither names a language we have.

Templates mark their words with _()/ngettext, the web layer's Python with gettext; words.py holds
the vocabularies of the lower layers and the scripts' messages, messages.py the services' messages
shown in pages. scripts/i18n.sh extracts, updates and compiles the catalogues (.mo committed).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel, get_locale

from annotator.web.words import gold_status_name, script_words, status_name

LANGUAGES = ("en", "de")
# The package's catalogues (the app's root is annotator/web; the catalogues belong to the package).
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """The request's interface language."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        g.chosen_language = asked
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES) or "en"


def interface_language() -> str:
    """`de` or `en`, for templates (the guideline in the interface language)."""
    return str(get_locale() or "en")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["interface_language"] = interface_language
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["status_name"] = status_name
    app.jinja_env.globals["gold_status_name"] = gold_status_name
    app.jinja_env.globals["script_words"] = script_words

    @app.after_request
    def remember_choice(response):
        chosen = g.get("chosen_language")
        if chosen:
            response.set_cookie(
                COOKIE,
                chosen,
                max_age=ONE_YEAR,
                samesite="Lax",
                httponly=True,
                secure=app.config.get("SESSION_COOKIE_SECURE", False),
            )
        return response
