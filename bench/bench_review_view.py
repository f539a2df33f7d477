"""Benchmark of the lead's disagreement view on a long document (issue 18).

A 50,000-character German document (the corpus articles repeated), 5 annotators who each mark
about N spans of three labels near the same places (boundaries jittered by up to 2 tokens,
one span in ten with another label, one in ten left out), all done. Measures

1. the server render of `/review/documents/<id>` as the lead (median over --runs requests
   through the test client), and
2. the classification and grouping alone (`classify_spans` + `regions`, median), and
3. a gold change far down the rows: the answer to a Reject at the middle place (its row out
   of band, `web/review/places.py`), beside the reload of the rows' first page that every
   change used to cost on top of its answer (and that took the lead back to the top).

Target: the render under 150 ms at 400 and under 300 ms at 800 spans per annotator (linear).

    .venv/bin/python bench/bench_review_view.py [--chars 50000] [--spans 400 800] [--runs 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from harness import CORPUS, PASSWORD, log_in_client, prepare_database

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.core.records import GOLD
from annotator.services import adjudication
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.imports import import_paths
from annotator.store.documents import document_by_external_id, get_tokens
from annotator.store.spans import list_spans
from annotator.store.users import get_user

ANNOTATORS = 5


def build(tmp: Path, chars: int, spans: int) -> tuple[Path, int]:
    """The database with the long document and every annotator's spans, all done."""
    db_path = tmp / f"review-{spans}.db"
    prepare_database(db_path, ANNOTATORS)
    articles = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    parts, size = ["Langer Testtext\n"], 0
    while size < chars:
        parts.append(articles[len(parts) % len(articles)].strip() + "\n\n")
        size += len(parts[-1])
    folder = tmp / f"long-{spans}"
    folder.mkdir()
    (folder / "long.txt").write_text("".join(parts)[:chars], encoding="utf-8")
    db = store.connect(db_path)
    import_paths(db, [folder], "text")
    doc = document_by_external_id(db, "long.txt")
    scheme = load_label_scheme()
    keys = scheme.keys()[:3]
    n = len(get_tokens(db, doc.id))
    spacing = (n - 40) // spans
    rng = random.Random(18)
    for a in range(ANNOTATORS):
        user = get_user(db, f"load{a:02d}")
        for k in range(spans):
            if rng.random() < 0.1:
                continue
            start = max(0, k * spacing + rng.randint(-2, 2))
            end = min(n - 1, start + 2 + (k * 5) % max(3, spacing - 4) + rng.randint(0, 2))
            label = keys[k % 3] if rng.random() >= 0.1 else keys[(k + 1) % 3]
            create_span(
                db, scheme, user, doc.id, SpanInput(label, token_start=start, token_end=end)
            )
        set_document_status(db, user, doc.id, "done")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return db_path, doc.id


def render_ms(db_path: Path, tmp: Path, document_id: int, runs: int) -> tuple[float, float, int]:
    """Median wall ms, median CPU ms (in-process: the test client) and size of the lead's
    GET /review/documents/<id>."""
    from annotator.web import create_app

    app = create_app({"DB": str(db_path), "SECRET_KEY": "bench", "INSTANCE_PATH": str(tmp)})
    client = app.test_client()
    log_in_client(client, "boss", PASSWORD)
    url = f"/review/documents/{document_id}"
    assert client.get(url).status_code == 200  # warm the caches
    times, cpu, size = [], [], 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200
        size = len(response.data)
    return statistics.median(times), statistics.median(cpu), size


def change_ms(db_path: Path, tmp: Path, document_id: int, runs: int) -> dict:
    """Median wall ms and size of a Reject's answer at the middle place (the page having loaded
    every place up to it), and of the rows' first page (GET .../rows), in one run."""
    from annotator.web import create_app

    app = create_app({"DB": str(db_path), "SECRET_KEY": "bench", "INSTANCE_PATH": str(tmp)})
    client = app.test_client()
    client.environ_base["HTTP_X_CSRFTOKEN"] = log_in_client(client, "boss", PASSWORD)
    db = store.connect(db_path, migrate_schema=False)
    spans = sorted(list_spans(db, document_id, "load00"), key=lambda s: s.token_start)
    db.conn.close()
    middle = spans[len(spans) // 2]
    reject = f"/review/documents/{document_id}/reject/{middle.id}"
    headers = {"X-Places-Through": str(middle.token_end)}
    rows = f"/review/documents/{document_id}/rows"
    figures = {}
    for name, call in (
        ("answer", lambda: client.post(reject, headers=headers)),
        ("first page", lambda: client.get(rows)),
    ):
        assert call().status_code == 200  # warm
        times, size = [], 0
        for _ in range(runs):
            t0 = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            size = len(response.data)
        figures[name] = (statistics.median(times), size)
    return figures


def classify_ms(db_path: Path, document_id: int, runs: int) -> tuple[float, int, int]:
    """Median ms of classify_spans + regions; (ms, spans, regions)."""
    db = store.connect(db_path, migrate_schema=False)
    names = [f"load{a:02d}" for a in range(ANNOTATORS)]
    layers = {name: list_spans(db, document_id, name) for name in names}
    gold = list_spans(db, document_id, GOLD)
    keys = load_label_scheme().keys()
    db.conn.close()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        classified = adjudication.classify_spans(layers, names, gold)
        found = adjudication.regions(classified, gold, keys)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), sum(map(len, layers.values())), len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=50_000)
    parser.add_argument("--spans", type=int, nargs="+", default=[400, 800])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for spans in args.spans:
            db_path, doc_id = build(tmp, args.chars, spans)
            ms, cpu_ms, size = render_ms(db_path, tmp, doc_id, args.runs)
            cms, total, n_regions = classify_ms(db_path, doc_id, args.runs)
            change = change_ms(db_path, tmp, doc_id, args.runs)
            (answer_ms, answer_size), (page_ms, page_size) = change["answer"], change["first page"]
            print(
                f"{ANNOTATORS} x {spans} spans ({total} stored, {n_regions} regions): "
                f"render {ms:.0f} ms wall, {cpu_ms:.0f} ms CPU ({size / 1024:.0f} KiB), "
                f"classify+regions {cms:.1f} ms; a Reject at the middle place answers in "
                f"{answer_ms:.0f} ms ({answer_size / 1024:.0f} KiB, its row out of band), the "
                f"rows' first page it used to reload on top {page_ms:.0f} ms "
                f"({page_size / 1024:.0f} KiB)"
            )


if __name__ == "__main__":
    main()
