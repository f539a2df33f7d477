"""The interface in German and English (issue 14 point 17): the browser's Accept-Language
chooses, `?lang=` (the header's switch) overrides and is remembered; the compiled catalogue is
the one its .po file gives; every extracted string has a German translation."""

from __future__ import annotations

import gettext
import html as html_lib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from annotator.core.labels import load_label_scheme
from annotator.store.documents import get_document, list_documents
from annotator.store.users import user_names
from tests.browser_support import build_database, chromium, drag_select, live_server, new_page
from tests.conftest import login

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


def extracted_messages() -> dict[str, str]:
    """Every msgid pybabel extracts with babel.cfg (plural entries by their singular), with
    where it was found."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    return {
        (message if isinstance(message, str) else message[0]): f"{path}:{line}"
        for path, line, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map)
    }


def is_translated(message) -> bool:
    """A msgstr for every form, and not fuzzy (compiling leaves fuzzy entries out)."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms) and "fuzzy" not in message.flags


def test_every_extracted_string_has_a_german_translation():
    """Extract as pybabel does (babel.cfg) and compare with the German catalogue."""
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    found = extracted_messages()
    assert "Log in" in found and "%(num)d span" in found and "Mark done" in found
    untranslated = {
        m: where
        for m, where in found.items()
        if not (catalogue.get(m) and is_translated(catalogue.get(m)))
    }
    assert untranslated == {}, "no German for (scripts/i18n.sh, then translate):\n" + "\n".join(
        f"{where}: {m!r}" for m, where in sorted(untranslated.items(), key=lambda kv: kv[1])
    )


def test_german_keeps_every_placeholder():
    """A translation that drops or renames %(name)s would raise or show the wrong figure."""
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(placeholder.findall(i) for i in ids))
        for form in forms:
            if set(placeholder.findall(form)) - expected or (
                expected - {"num"} - set(placeholder.findall(form))
            ):
                wrong.append((ids[0], form))
    assert wrong == []


# --- every page in German: no English interface text left ---------------------------------------

# Subtrees whose text is not the interface's: the corpus text and excerpts of it (<q>), commands
# and keys, the other language's guideline (lang="en"), the language switch, user content.
SKIPPED_TAGS = {"script", "style", "code", "kbd", "q", "textarea"}
SKIPPED_CLASSES = {"comment-text", "note", "span-note", "attrs", "author", "decision-note"}
SHOWN_ATTRIBUTES = ("title", "aria-label", "hx-confirm", "placeholder", "alt")
WORD = re.compile(r"[^\W\d_]{2,}(?:[-'’][^\W\d_]+)*")
# Names that read the same in both languages: the product in page titles, a citation, formats.
SAME_IN_BOTH = [
    " · annotator",
    "gamma (Mathet et al. 2015)",
    "JSONL (Prodigy)",
    "doccano JSONL",
    "spaCy DocBin",
]
QUESTION = "Gehört der Satz zum Zitat?"


class VisibleText(HTMLParser):
    """The text a reader sees (and the tooltips and confirmations), outside skipped subtrees."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.segments: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        skipped = (
            (self.stack and self.stack[-1])
            or tag in SKIPPED_TAGS
            or "lang" in attrs
            or bool(classes & SKIPPED_CLASSES)
        )
        if not skipped:
            self.segments += [attrs[a] for a in SHOWN_ATTRIBUTES if attrs.get(a)]
        if tag not in self.VOID:
            self.stack.append(bool(skipped))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.segments.append(data)


def visible_segments(html: str) -> set[str]:
    """The page's visible text pieces, whitespace collapsed (the <html lang> itself aside)."""
    parser = VisibleText()
    parser.feed(html.replace('<html lang="de">', "<html>").replace('<html lang="en">', "<html>"))
    return {" ".join(s.split()) for s in parser.segments if s.strip()}


def corpus_and_user_strings(db) -> list[str]:
    """What the pages show from the data rather than the interface: label names and keys, the
    scheme's descriptions, documents' titles and metadata, user names, comments, notes."""
    scheme = load_label_scheme()
    found = {QUESTION, "INTEL includes the attribution", "patterns"}
    for label in scheme.labels:
        found |= {label.name, label.key, label.description_en, label.description_de}
        for a in label.attributes:
            found |= {a.name, a.description or "", *(a.choices or [])}
            found |= {shown for _, shown in a.choice_names + a.choice_names_de}
            found |= {a.title, a.title_de}
    for summary in list_documents(db):
        d = get_document(db, summary.id)
        found |= {str(v) for v in (d.title, d.external_id, d.outlet, d.author, d.url, d.lang) if v}
    found |= set(user_names(db))
    return sorted((s for s in found if s), key=len, reverse=True)


def untranslated(english: set[str], german: set[str], content: list[str]) -> list[str]:
    """Pieces shown identically in both languages that still hold two or more words once the
    data (names, titles, labels) is taken out: interface text nobody translated."""
    left = []
    for piece in sorted(english & german):
        rest = piece
        for s in content + SAME_IN_BOTH:
            rest = rest.replace(s, " ")
        if len(WORD.findall(rest)) >= 2:
            left.append(piece)
    return left


def populate(db):
    """Spans of anna and ben on documents 1 and 2 (done), gold on 1 adjudicated and released
    with a note, a question thread, and a suggestion source switched on."""
    from annotator.services.adjudication import change_gold_status
    from annotator.services.annotations import SpanInput, create_span, set_document_status
    from annotator.services.comments import comment_on_document, comment_on_span
    from annotator.services.feedback import release_document
    from annotator.services.suggestions import ProposedSpan, store_proposals, switch_source
    from annotator.store.users import get_user

    scheme = load_label_scheme()
    users = {n: get_user(db, n) for n in ("anna", "ben", "lea")}
    made = {}
    for name, doc, label, ts, te in [
        ("anna", 1, "STATE_PROPAGANDA", 20, 30),
        ("ben", 1, "STATE_PROPAGANDA", 22, 30),
        ("anna", 1, "INTEL_ESTIMATE", 60, 80),
        ("ben", 1, "EDITORIAL_FRAMING", 60, 70),
        ("anna", 2, "EDITORIAL_FRAMING", 5, 9),
        ("ben", 2, "EDITORIAL_FRAMING", 5, 9),
        ("lea", 1, "STATE_PROPAGANDA", 20, 30),
    ]:
        attributes = {"agency": "south_korea"} if label == "INTEL_ESTIMATE" else None
        span, _ = create_span(
            db, scheme, users[name], doc, SpanInput(label, None, None, ts, te, attributes)
        )
        made.setdefault(name, span)
        if attributes:
            made[f"{name} {label}"] = span
    for name, doc in [("anna", 1), ("ben", 1), ("anna", 2), ("ben", 2)]:
        set_document_status(db, users[name], doc, "done")
    comment_on_span(db, users["anna"], made["anna"].id, QUESTION)
    comment_on_document(db, users["anna"], 1, QUESTION)
    change_gold_status(db, users["lea"], 1, "adjudicated", confirmed=True)
    release_document(db, users["lea"], 1, "INTEL includes the attribution")
    store_proposals(db, scheme, 3, "patterns", [ProposedSpan("STATE_PROPAGANDA", 0, 40, 0.9)])
    switch_source(db, users["lea"], "patterns", True)
    return made


@pytest.fixture
def walk_db(db):
    """The test database with `populate`'s data; the first span of each user."""
    return db, populate(db)


def walk(client, who: str, requests) -> dict[str, str]:
    """Each (method, url, data, headers) answered, keyed by who asked and the request."""
    pages = {}
    for method, url, data, headers in requests:
        response = client.open(url, method=method, data=data, headers=headers)
        assert response.status_code < 500, (url, response.status_code)
        pages[f"{who} {method} {url}"] = response.get_data(as_text=True)
    return pages


def pages_in(app, language_headers: dict, made) -> dict[str, str]:
    """Every HTML page and the htmx regions with their own words, as anonymous, anna and lea."""
    from tests.conftest import csrf_token_of

    anonymous = app.test_client()
    pages = walk(anonymous, "anonymous", [("GET", "/login", None, language_headers)])
    anna = app.test_client()
    login(anna, "anna")
    hx = {"HX-Request": "true", **language_headers}
    pages |= walk(
        anna,
        "anna",
        [
            ("GET", "/", None, language_headers),
            ("GET", "/documents/1", None, language_headers),
            ("GET", "/documents/3", None, language_headers),
            ("GET", f"/documents/1/editor?span={made['anna'].id}", None, hx),
            ("GET", f"/documents/1/editor?span={made['anna INTEL_ESTIMATE'].id}", None, hx),
            ("GET", "/documents/1/feedback", None, language_headers),
            ("GET", "/review", None, language_headers),  # 403
            ("GET", "/documents/999", None, language_headers),  # 404 from the service
            ("GET", "/no-such-page", None, language_headers),  # 404 from the router
        ],
    )
    lea = app.test_client()
    login(lea, "lea")
    token = csrf_token_of(lea.get("/review").get_data(as_text=True))
    posting = {"X-CSRFToken": token, **hx}
    pages |= walk(
        lea,
        "lea",
        [
            ("GET", "/review", None, language_headers),
            ("GET", "/review/agreement", None, language_headers),
            ("GET", "/review/agreement/gamma", None, hx),
            ("GET", "/review/documents/1", None, language_headers),
            ("GET", "/review/documents/2", None, language_headers),
            ("GET", f"/review/documents/1/editor?span={made['lea'].id}", None, hx),
            ("GET", "/review/export", None, language_headers),
            ("GET", "/review/suggestions", None, language_headers),
            ("GET", "/documents/1", None, language_headers),
            # the confirmation that assigning one annotator per document hides finished work
            ("POST", "/review/assignments", {"n": "1"}, posting),
        ],
    )
    return pages


def test_no_page_shows_english_interface_text_in_german(app, walk_db):
    db, made = walk_db
    english = pages_in(app, {}, made)
    german = pages_in(app, GERMAN, made)
    content = corpus_and_user_strings(db)
    left = {}
    for key, page in english.items():
        assert '<html lang="en">' in page or "<html" not in page, key
        found = untranslated(visible_segments(page), visible_segments(german[key]), content)
        if found:
            left[key] = found
    assert left == {}, "\n".join(f"{k}: {v}" for k, v in left.items())
    # The walk saw what it should: the confirmation, the error pages, the feedback view.
    assert "Fertige Arbeit ausblenden?" in german["lea POST /review/assignments"]
    assert "Fehler 403" in german["anna GET /review"]
    assert "Dokument 999 nicht gefunden" in german["anna GET /documents/999"]
    assert "Diese Seite gibt es nicht." in german["anna GET /no-such-page"]
    feedback = german["anna GET /documents/1/feedback"]
    assert "Ihre Spannen gegen die entschiedene Goldstandard-Ebene" in feedback


def test_label_names_come_in_the_interface_language(app, walk_db):
    """The scheme's `name_de` is what the German interface calls a label, on every page and
    region of the walk (lists, editor, review rows, figures, feedback), and an attribute's
    `description_de` what it says about the attribute; English keeps `name` and
    `description`."""
    db, made = walk_db
    scheme = load_label_scheme()
    assert all(label.name_de and label.name_de != label.name for label in scheme.labels)
    english = pages_in(app, {}, made)
    german = pages_in(app, GERMAN, made)
    shown_de = shown_en = 0
    for key, page in german.items():
        seen_de, seen_en = visible_segments(page), visible_segments(english[key])
        for label in scheme.labels:
            assert not any(label.name in piece for piece in seen_de), (key, label.name)
            assert not any(label.name_de in piece for piece in seen_en), (key, label.name_de)
            shown_de += any(label.name_de in piece for piece in seen_de)
            shown_en += any(label.name in piece for piece in seen_en)
    assert shown_de == shown_en and shown_de >= 3 * 8  # each label on most pages
    # Attribute descriptions likewise (the span editor, the guidelines on the document page).
    described = [a for label in scheme.labels for a in label.attributes]
    assert described and all(a.description_de for a in described)
    for key, page in german.items():
        seen_de, seen_en = visible_segments(page), visible_segments(english[key])
        for a in described:
            assert not any(a.description in piece for piece in seen_de), (key, a.description)
            assert not any(a.description_de in piece for piece in seen_en), (key, a.name)
    speaker = scheme.get("STATE_PROPAGANDA").attribute("speaker")
    for key in ("anna GET /documents/1", f"anna GET /documents/1/editor?span={made['anna'].id}"):
        assert any(speaker.description_de in p for p in visible_segments(german[key])), key
        assert any(speaker.description in p for p in visible_segments(english[key])), key
    # A choice attribute's value by its shown name, never its stored key: the editor's menu,
    # the guidelines, the span list and the review rows (the last two in their `attrs` boxes,
    # which the visible-text walk leaves out as data).
    intel = made["anna INTEL_ESTIMATE"]
    agency = scheme.get("INTEL_ESTIMATE").attribute("agency")
    assert dict(agency.choice_names_de)["south_korea"] == "Südkorea"
    assert dict(agency.choice_names)["south_korea"] == "South Korea"
    editor = f"anna GET /documents/1/editor?span={intel.id}"
    seen_de, seen_en = visible_segments(german[editor]), visible_segments(english[editor])
    assert "Südkorea" in seen_de and "South Korea" in seen_en
    assert "South Korea" not in seen_de and "Südkorea" not in seen_en
    assert '<option value="south_korea" selected>Südkorea</option>' in german[editor]
    assert '<option value="russia">Russland</option>' in german[editor]
    guideline = "(Südkorea, Ukraine, USA, NATO, Russland, Nordkorea, andere)"
    assert any(guideline in p for p in visible_segments(german["anna GET /documents/1"]))
    for key in ("anna GET /documents/1", "lea GET /review/documents/1"):
        assert '<span class="attr">Quelle: Südkorea</span>' in german[key], key
        assert '<span class="attr">agency: South Korea</span>' in english[key], key
        assert "south_korea" not in german[key].replace('value="south_korea"', ""), key
    # the attributes by their titles in German: the editor and the guidelines
    assert "Quelle" in seen_de and "agency" not in seen_de and "agency" in seen_en
    assert "Sprecher" in visible_segments(german["anna GET /documents/1"])


def test_the_scripts_messages_come_in_the_interface_language(app):
    client = app.test_client()
    for headers, expected in ((GERMAN, "Nichts wurde geändert."), ({}, "Nothing was changed.")):
        page = client.get("/login", headers=headers).get_data(as_text=True)
        words = json.loads(
            html_lib.unescape(re.search(r"name=\"script-words\" content='([^']*)'", page)[1])
        )
        assert words["Nothing was changed."] == expected
    german = json.loads(
        html_lib.unescape(
            re.search(
                r"name=\"script-words\" content='([^']*)'",
                client.get("/login", headers=GERMAN).get_data(as_text=True),
            )[1]
        )
    )
    assert [k for k, v in german.items() if k == v] == []


ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def assert_no_sideways_scroll(page, width: int, what: str) -> None:
    """German is longer than English: nothing may push the page wider than the screen."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{what} at {width} px is {wide} px wide"


@pytest.mark.browser
@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_german_browser_gets_a_german_interface_and_the_switch_is_remembered(
    tmp_path, width, height
):
    from annotator import store

    db_path = build_database(tmp_path / "annotator.db")
    db = store.connect(db_path)
    populate(db)
    db.conn.close()
    shot = f"{width}x{height}"
    with live_server(db_path) as url, chromium() as browser:
        page = new_page(browser, url, width=width, height=height, locale="de-DE")
        page.goto("/login")
        expect(page.locator("button[type=submit]")).to_have_text("Anmelden")
        page.screenshot(path=str(ARTIFACTS / f"i18n-login-de-{shot}.png"), full_page=True)
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        expect(page.locator(".logout button")).to_have_text("Abmelden")
        expect(page.locator("#queue h1")).to_have_text("Ihre Warteschlange")
        assert_no_sideways_scroll(page, width, "the queue")
        page.screenshot(path=str(ARTIFACTS / f"i18n-queue-de-{shot}.png"), full_page=True)

        page.goto("/documents/4")
        page.wait_for_selector("#text span[data-i]")
        expect(page.locator("#mark-done")).to_have_text("Als fertig markieren")
        expect(page.locator("#undo")).to_contain_text("Rückgängig")
        expect(page.locator("#spans h2")).to_contain_text("Spannen")
        expect(page.locator("#help summary")).to_contain_text("Richtlinien und Tasten")
        first = page.locator("#help .guideline").first.locator("p.guideline-text")
        assert first.get_attribute("lang") == "de"
        # A label key without a selection: the script's message, in German.
        page.locator("#text").click(position={"x": 2, "y": 2})
        page.keyboard.press("1")
        expect(page.locator("#flash")).to_have_text(
            "Wählen Sie zuerst Text aus, dann drücken Sie eine Label-Taste."
        )
        drag_select(page, 3, 5)
        page.keyboard.press("1")
        expect(page.locator("#flash")).to_contain_text("hinzugefügt: Staatliches Propagandazitat")
        expect(page.locator("#flash")).to_contain_text("u macht es rückgängig")
        expect(page.locator("#toolbar .count")).to_have_text("1 Spanne")
        expect(page.locator("#editor .editor-actions button[type=submit]")).to_have_text(
            "Speichern"
        )
        assert_no_sideways_scroll(page, width, "the document page")
        page.screenshot(path=str(ARTIFACTS / f"i18n-document-de-{shot}.png"), full_page=True)

        # A choice attribute in the editor: its title and its choice by their German names.
        page.goto("/documents/1")
        page.wait_for_selector("#spans li[data-span]")
        row = page.locator("#spans li:has(.attr)")
        expect(row.locator(".attr")).to_have_text("Quelle: Südkorea")
        row.click()  # on a phone too: the list's later rows are not under the next section
        page.wait_for_selector("#editor.open")
        menu = page.locator("#editor select[name='attr.agency']")
        expect(menu.locator("option:checked")).to_have_text("Südkorea")
        expect(page.locator("#editor label:has(select[name='attr.agency'])")).to_contain_text(
            "Quelle"
        )
        page.locator("#editor").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"i18n-choice-attribute-de-{shot}.png"))

        page.goto("/documents/1/feedback")
        expect(page.locator("#feedback-places h2").first).to_contain_text(
            "Ihre Spannen, eine nach der anderen"
        )
        assert_no_sideways_scroll(page, width, "the feedback page")
        page.screenshot(path=str(ARTIFACTS / f"i18n-feedback-de-{shot}.png"), full_page=True)

        # The header's switch: English, remembered on the next page without asking again.
        page.click('.language a[hreflang="en"]')
        expect(page.locator(".logout button")).to_have_text("Log out")
        page.goto("/")
        expect(page.locator("#queue h1")).to_have_text("Your queue")
        page.goto("/documents/4")
        expect(page.locator("#toolbar .count")).to_have_text("1 span")
        expect(
            page.locator("#help .guideline").first.locator("p.guideline-text")
        ).to_have_attribute("lang", "en")
        page.screenshot(path=str(ARTIFACTS / f"i18n-document-en-{shot}.png"), full_page=True)
        page.context.close()

        lead = new_page(browser, url, width=width, height=height, locale="de-DE")
        lead.goto("/login")
        lead.fill("input[name=username]", "lea")
        lead.fill("input[name=password]", "correct horse battery")
        lead.click("button[type=submit]")
        lead.wait_for_url(lambda address: "/login" not in address)
        for path, name, heading in [
            ("/review", "progress", "Was auf Sie wartet"),
            ("/review/agreement", "agreement", "Sind die Labels schon verlässlich?"),
            ("/review/documents/1", "disagreement", "Annotator:innen nebeneinander"),
            ("/review/export", "export", "Trainingsdaten exportieren"),
            ("/review/suggestions", "suggestions", "Vorschläge je Annotator:in"),
        ]:
            lead.goto(path)
            expect(lead.locator("h2", has_text=heading).first).to_be_visible()
            assert_no_sideways_scroll(lead, width, path)
            lead.screenshot(path=str(ARTIFACTS / f"i18n-{name}-de-{shot}.png"), full_page=True)
        lead.context.close()


def test_refusals_and_questions_are_german_on_pages_and_english_in_the_api(app, tokens):
    from tests.conftest import bearer, csrf_token_of

    client = app.test_client()
    login(client, "anna")
    token = csrf_token_of(client.get("/documents/1").get_data(as_text=True))
    hx = {"HX-Request": "true", "X-CSRFToken": token, **GERMAN}
    # A span over the whole first paragraphs: the question the page's confirm() dialog shows.
    asked = client.post(
        "/documents/1/spans",
        data={"label": "STATE_PROPAGANDA", "token_start": 0, "token_end": 120},
        headers=hx,
    )
    assert asked.headers.get("X-Needs-Confirmation") == "1"
    body = asked.get_data(as_text=True)
    assert "Diese Spanne ist ungewöhnlich lang: sie reicht über" in body
    assert "Trotzdem anlegen?" in body
    made = client.post(
        "/documents/1/spans",
        data={"label": "STATE_PROPAGANDA", "token_start": 3, "token_end": 5},
        headers=hx,
    )
    assert made.status_code == 201
    assert "hinzugefügt: Staatliches Propagandazitat · u macht es rückgängig" in made.get_data(
        as_text=True
    )
    undone = client.post("/documents/1/undo", headers=hx).get_data(as_text=True)
    assert "Anlegen rückgängig gemacht" in undone
    nothing = client.post("/documents/1/undo", headers=hx)
    assert "nichts rückgängig zu machen" in nothing.get_data(as_text=True)
    # The JSON API keeps its English messages (its contract), whatever the browser's language.
    api = client.get("/api/documents/999", headers={**bearer(tokens["anna"]), **GERMAN})
    assert api.status_code == 404 and api.json["error"] == "document 999 not found"
