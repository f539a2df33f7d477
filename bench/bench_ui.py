"""Benchmark of the annotation page on a long document.

A 50,000-character German document (the corpus articles repeated) with 500 spans of three labels,
overlapping across labels. Measures

1. the server render of `/documents/<id>` (median over 20 requests through the test client), and
2. in headless Chromium, the time from the key press to the new span in the page: measured in the
   page with performance.now() from the keydown to the MutationObserver seeing the token inside a
   new mark of the label, and to the next animation frame after it (median over 20 creations).

Targets: render < 50 ms, key to span < 150 ms.

    .venv/bin/python bench/bench_ui.py [--chars 50000] [--spans 500] [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from harness import (
    CORPUS,
    PASSWORD,
    Server,
    chromium,
    log_in,
    log_in_client,
    new_page,
    prepare_database,
)

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services.annotations import SpanInput, create_span
from annotator.services.imports import import_paths
from annotator.store.documents import document_by_external_id, get_tokens
from annotator.store.users import get_user

ANNOTATOR = "load00"
MAX_LENGTH = 30  # tokens of the longest span; same-label spans start 3 * spacing > 33 apart
FREE = (31, 33)  # token offsets after each label-0 span start that no label-0 span covers

INSTRUMENT = """() => {
  window.__times = [];
  window.__frames = [];
  document.addEventListener("keydown", (e) => {
    if (e.key !== "1") return;
    const t0 = performance.now();
    const token = window.__probe;
    const observer = new MutationObserver(() => {
      const el = document.querySelector(`#text span[data-i="${token}"]`);
      if (el && el.closest("mark.l0")) {
        observer.disconnect();
        window.__times.push(performance.now() - t0);
        requestAnimationFrame(() => window.__frames.push(performance.now() - t0));
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }, true);
}"""

SELECT = """([a, b]) => {
  const toks = document.getElementById("text").getElementsByTagName("span");
  const r = document.createRange();
  r.setStart(toks[a].firstChild, 0);
  r.setEnd(toks[b].firstChild, toks[b].firstChild.length);
  toks[a].scrollIntoView({block: "center"});
  const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
  window.__probe = a + 1;
}"""


def build_long_document(tmp: Path, chars: int, spans: int) -> tuple[Path, int, list[int]]:
    """The database with the long document and its spans; (path, id, label-0-free token starts)."""
    db_path = tmp / "bench.db"
    prepare_database(db_path, 1)
    articles = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    parts, size = ["Langer Testtext\n"], 0
    while size < chars:
        article = articles[len(parts) % len(articles)]
        parts.append(article.strip() + "\n\n")
        size += len(parts[-1])
    text = "".join(parts)[:chars]
    folder = tmp / "long"
    folder.mkdir()
    (folder / "long.txt").write_text(text, encoding="utf-8")
    db = store.connect(db_path)
    import_paths(db, [folder], "text")
    doc = document_by_external_id(db, "long.txt")
    scheme = load_label_scheme()
    anna = get_user(db, ANNOTATOR)
    n = len(get_tokens(db, doc.id))
    keys = scheme.keys()
    spacing = (n - 60) // spans
    assert 3 * spacing > FREE[1], "too many spans for the text"
    for k in range(spans):
        start = k * spacing
        length = 6 + (k * 7) % (MAX_LENGTH - 5)
        create_span(
            db,
            scheme,
            anna,
            doc.id,
            SpanInput(keys[k % 3], token_start=start, token_end=start + length),
        )
    free = [start + FREE[0] for start in range(0, spans * spacing, 3 * spacing)]
    db.conn.close()
    return db_path, doc.id, free


def server_render(db_path: Path, tmp: Path, document_id: int, runs: int) -> tuple[float, int]:
    """Median milliseconds and size of GET /documents/<id> through the test client."""
    from annotator.web import create_app

    app = create_app({"DB": str(db_path), "SECRET_KEY": "bench", "INSTANCE_PATH": str(tmp)})
    client = app.test_client()
    log_in_client(client, ANNOTATOR, PASSWORD)
    client.get(f"/documents/{document_id}")  # warm the token and piece caches
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(f"/documents/{document_id}")
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
        size = len(response.data)
    return statistics.median(times), size


def key_to_span(db_path: Path, tmp: Path, document_id: int, free: list[int], runs: int):
    """Median ms from key press to the new mark (MutationObserver) and to the next frame."""
    with Server(db_path, workers=2) as server, chromium() as browser:
        url = f"http://127.0.0.1:{server.port}"
        page = new_page(browser, url)
        log_in(page, ANNOTATOR, PASSWORD)
        page.goto(f"/documents/{document_id}")
        page.evaluate(INSTRUMENT)
        for run in range(runs):
            first = free[len(free) // 4 + run * 3]
            page.evaluate(SELECT, [first, first + FREE[1] - FREE[0]])
            page.keyboard.press("1")
            # Polled from here: wait_for_function evaluates a string, which the page's CSP refuses.
            while page.evaluate("() => window.__frames.length") <= run:
                page.wait_for_timeout(10)
            page.wait_for_timeout(50)  # let the toolbar refresh settle before the next one
        times = page.evaluate("window.__times")
        frames = page.evaluate("window.__frames")
        marks = page.locator("#text mark").count()
    return statistics.median(times), statistics.median(frames), marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=50_000)
    parser.add_argument("--spans", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db_path, doc_id, free = build_long_document(tmp, args.chars, args.spans)
        db = store.connect(db_path)
        n_tokens = len(get_tokens(db, doc_id))
        n_spans = db.conn.execute("SELECT COUNT(*) FROM span").fetchone()[0]
        db.conn.close()
        print(f"document: {args.chars:,} characters, {n_tokens:,} tokens, {n_spans} spans")
        render, size = server_render(db_path, tmp, doc_id, args.runs)
        print(
            f"server render of /documents/{doc_id}: median {render:.1f} ms over {args.runs} "
            f"({size / 1024:.0f} KiB HTML)  target < 50 ms"
        )
        observed, frame, marks = key_to_span(db_path, tmp, doc_id, free, args.runs)
        print(
            f"key press to new span in Chromium: median {observed:.1f} ms (MutationObserver), "
            f"{frame:.1f} ms (next frame) over {args.runs}; {marks} marks on the page  "
            "target < 150 ms"
        )


if __name__ == "__main__":
    main()
