"""The interface in German and English (issue 14 point 17): the browser's Accept-Language
chooses, `?lang=` (the header's switch) overrides and is remembered; the compiled catalogue is
the one its .po file gives; every extracted string has a German translation."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.browser_support import build_database, chromium, live_server, new_page

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "annotator" / "translations" / "de" / "LC_MESSAGES"
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def test_accept_language_chooses_and_the_switch_is_remembered(app):
    client = app.test_client()
    assert ">Anmelden</button>" in client.get("/login", headers=GERMAN).get_data(as_text=True)
    assert ">Log in</button>" in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en", headers=GERMAN)
    assert ">Log in</button>" in english.get_data(as_text=True)
    assert "lang=en" in english.headers["Set-Cookie"]
    # Remembered: the German browser now gets English without asking again.
    assert ">Log in</button>" in client.get("/login", headers=GERMAN).get_data(as_text=True)
    client.get("/login?lang=de")
    assert ">Anmelden</button>" in client.get("/login").get_data(as_text=True)
    assert client.get("/login?lang=xx").status_code == 200  # unknown: ignored, no 500


def test_compiled_catalogue_is_current():
    """The shipped .mo holds exactly what the .po says (run pybabel compile after editing)."""
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    from io import BytesIO

    fresh = BytesIO()
    write_mo(fresh, catalogue)
    fresh.seek(0)
    expected = gettext.GNUTranslations(fresh)._catalog
    with (CATALOGUE / "messages.mo").open("rb") as f:
        shipped = gettext.GNUTranslations(f)._catalog
    assert shipped == expected


def test_every_extracted_string_has_a_german_translation():
    """Extract as pybabel does (babel.cfg) and compare with the German catalogue."""
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    method_map = [("annotator/**.py", "python"), ("annotator/web/templates/**.html", "jinja2")]
    found = {
        (message if isinstance(message, str) else message[0]): f"{path}:{line}"
        for path, line, message, _, _ in extract_from_dir(str(ROOT), method_map)
    }
    assert "Log in" in found and "Log out" in found
    untranslated = {
        m: where for m, where in found.items() if not (catalogue.get(m) and catalogue.get(m).string)
    }
    assert untranslated == {}


@pytest.mark.browser
def test_german_browser_gets_german_buttons_and_guidelines(tmp_path):
    db_path = build_database(tmp_path / "annotator.db")
    with live_server(db_path) as url, chromium() as browser:
        page = new_page(browser, url, width=1366, height=768, locale="de-DE")
        page.goto("/login")
        expect(page.locator("button[type=submit]")).to_have_text("Anmelden")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        expect(page.locator(".logout button")).to_have_text("Abmelden")
        page.goto("/documents/1")
        first = page.locator("#help .guideline").first.locator("p.guideline-text")
        assert first.get_attribute("lang") == "de"
        page.click('.language a[hreflang="en"]')
        expect(page.locator(".logout button")).to_have_text("Log out")
        expect(
            page.locator("#help .guideline").first.locator("p.guideline-text")
        ).to_have_attribute("lang", "en")
        page.context.close()
