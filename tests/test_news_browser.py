"""Real Chromium over news documents (issue 16): the queue and the document page show where an
article comes from; the lead filters the grid by outlet and breaks the dashboard's agreement
down by language in place. Screenshots at 1366x768 and 390x844 in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.imports import import_run
from annotator.store.users import get_user
from tests.browser_support import build_database, chromium, live_server, log_in, new_page
from tests.news_support import write_pages

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
SCHEME = load_label_scheme()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("news-browser")
    db_path = build_database(tmp / "annotator.db")
    db = store.connect(db_path)
    import_run(db, [write_pages(tmp / "pages")])
    news = [r[0] for r in db.conn.execute("SELECT id FROM document WHERE url IS NOT NULL")]
    for name, extra in (("anna", 0), ("ben", 2)):
        for document_id in news:
            create_span(
                db,
                SCHEME,
                get_user(db, name),
                document_id,
                SpanInput("INTEL_ESTIMATE", token_start=1, token_end=4 + extra),
            )
            set_document_status(db, get_user(db, name), document_id, "done")
    (wire,) = db.conn.execute("SELECT id FROM document WHERE outlet = 'Kyiv Wire'").fetchone()
    db.conn.close()
    with live_server(db_path) as url:
        yield url, wire


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"news_{name}_{size}.png"), full_page=True)


def test_annotator_sees_outlet_date_and_author(site):
    url, wire = site
    with chromium() as browser:
        page = new_page(browser, url)
        log_in(page, "anna")
        row = page.locator(f'#queue tr[data-document="{wire}"] .article-meta')
        expect(row).to_have_text("Kyiv Wire · 2025-05-01 · Olena Example")
        shoot(page, "queue")
        page.goto(f"/documents/{wire}")
        meta = page.locator("#article-meta")
        expect(meta).to_contain_text("Kyiv Wire")
        expect(meta.locator("a")).to_have_attribute("href", "https://wire.example/troops")
        shoot(page, "document")


def test_lead_filters_the_grid_and_breaks_agreement_down_by_language(site):
    url, _ = site
    with chromium() as browser:
        page = new_page(browser, url)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(page, "lea")
        page.goto("/review")
        page.select_option("#document-filter select[name=outlet]", "Vesti")
        page.click("#document-filter button[type=submit]")
        page.wait_for_url("**/review?outlet=Vesti**")
        expect(page.locator("#progress tbody tr")).to_have_count(1)
        # Assigning from the filtered grid keeps the filter in the fragment it gets back.
        page.locator("#progress tbody tr input[value=anna]").uncheck()
        # anna finished this document: the grid asks before hiding her work (issue 14), and
        # the confirmation keeps the filter
        page.locator("#confirm-hide").click()
        expect(page.locator("#progress tbody tr button", has_text="everyone")).to_have_count(1)
        expect(page.locator("#progress tbody tr input[value=anna]")).not_to_be_checked()
        expect(page.locator("#progress tbody tr input[value=ben]")).to_be_checked()
        expect(page.locator("#progress tbody tr")).to_have_count(1)
        shoot(page, "progress_filtered")
        page.goto("/review/agreement")
        strata = page.locator("#strata tbody tr")
        expect(strata).to_have_count(3)
        page.evaluate("window.__same_page = true")
        page.select_option("#filters select[name=by]", "lang")
        expect(page.locator("#strata")).to_have_attribute("data-by", "lang")
        expect(page.locator("#strata tbody tr[data-stratum]")).to_have_count(3)
        page.select_option("#filters select[name=outlet]", "Tagesblick")
        expect(page.locator("#strata tbody tr[data-stratum]")).to_have_count(1)
        expect(page.locator("#figures")).to_have_attribute("data-documents", "1")
        assert page.evaluate("window.__same_page") is True
        shoot(page, "dashboard_by_language")
        assert errors == []
