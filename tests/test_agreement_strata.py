"""Agreement by stratum (issue 16): `annotator agreement --by outlet|month|lang`, its JSON
block, and the same figures as the report over each stratum's documents alone."""

from __future__ import annotations

import json

import pytest

from tests.news_support import PAGES, Cli, annotation_lines, write_pages

# Two Tagesblick articles (April), two Kyiv Wire (May), one Vesti (March).
EXTRA = {
    "tagesblick-2.html": {
        **PAGES["tagesblick-kim.html"],
        "title": "Zweiter Bericht",
        "url": "https://www.tagesblick.example/politik/zwei.html",
        "paragraphs": [
            "Der Generalstab erklärte am Montag, die Lage an der Front sei stabil und unter "
            "Kontrolle; unabhängige Beobachter zeichnen ein anderes Bild der Kämpfe.",
            "Nach Angaben westlicher Geheimdienste wurden Tausende Soldaten verlegt.",
        ],
    },
    "wire-2.html": {
        **PAGES["wire-troops.html"],
        "title": "Losses mount",
        "url": "https://wire.example/losses",
        "paragraphs": [
            "Officials in Seoul estimate that the losses among the deployed units are heavy, "
            "with several hundred soldiers killed or wounded in the first weeks.",
            "Moscow has not commented on the figures, which cannot be verified independently.",
        ],
    },
}


def _spans(text: str, annotator: str) -> list[tuple[int, int, str]]:
    # Both mark the first sentence's opening words; ben's span is longer on odd-length texts,
    # and only anna marks the second paragraph: agreement differs between documents.
    first = text.index("\n") + 1
    words = text[first:].split(" ")
    a_end = first + len(" ".join(words[:4]))
    b_end = first + len(" ".join(words[: 4 if len(text) % 2 == 0 else 7]))
    spans = [(first, a_end if annotator == "anna" else b_end, "INTEL_ESTIMATE")]
    if annotator == "anna":
        second = text.rindex("\n") + 1
        spans.append((second, second + len(text[second:].split(" ")[0]), "EDITORIAL_FRAMING"))
    return spans


def corpus(cli: Cli, tmp_path, pages: dict) -> None:
    """Import the pages and both annotators' done layers on every one of them."""
    folder = write_pages(tmp_path / f"pages-{cli.path.stem}", pages)
    assert cli("import", folder).exit_code == 0
    lines = []
    for (text,) in cli.rows("SELECT text FROM document ORDER BY id"):
        lines += [annotation_lines(text, name, _spans(text, name)) for name in ("anna", "ben")]
    marks = tmp_path / f"marks-{cli.path.stem}.jsonl"
    marks.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("import", marks)
    assert result.exit_code == 0, result.output


@pytest.fixture
def news_cli(tmp_path):
    cli = Cli(tmp_path / "strata.db")
    corpus(cli, tmp_path, {**PAGES, **EXTRA})
    return cli


def _report(cli: Cli, *args: str) -> dict:
    result = cli("agreement", "--json", "--no-gamma", "--bootstrap", "200", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_by_outlet_json_block_has_each_outlet_with_counts_and_intervals(news_cli):
    block = _report(news_cli, "--by", "outlet")["by_stratum"]
    assert block["by"] == "outlet"
    assert [(s["value"], s["documents"], s["documents_done"]) for s in block["strata"]] == [
        ("Kyiv Wire", 2, 2),
        ("Tagesblick", 2, 2),
        ("Vesti", 1, 1),
    ]
    by_value = {s["value"]: s for s in block["strata"]}
    assert by_value["Kyiv Wire"]["krippendorff_alpha"]["ci95"] is not None
    # One document: no interval (too few to trust), the figure itself still there.
    vesti = by_value["Vesti"]["krippendorff_alpha"]
    assert vesti["ci95"] is None and vesti["value"] is not None and vesti["units"] > 0


@pytest.mark.parametrize(
    ("by", "value", "pages"),
    [
        ("outlet", "Tagesblick", ["tagesblick-kim.html", "tagesblick-2.html"]),
        ("month", "2025-05", ["wire-troops.html", "wire-2.html"]),
        ("lang", "ru", ["vesti-kursk.html"]),
    ],
)
def test_each_stratum_equals_the_report_of_a_database_holding_only_its_documents(
    news_cli, tmp_path, by, value, pages
):
    stratum = {s["value"]: s for s in _report(news_cli, "--by", by)["by_stratum"]["strata"]}[value]
    alone = Cli(tmp_path / f"alone-{by}.db")
    every = {**PAGES, **EXTRA}
    corpus(alone, tmp_path, {name: every[name] for name in pages})
    whole = _report(alone)
    assert stratum["documents"] == whole["documents"] == len(pages)
    assert stratum["krippendorff_alpha"] == whole["krippendorff_alpha"]["pooled"]
    pair = whole["pairs"][0]["f1_overlap"]["micro"]
    assert stratum["f1_overlap"] == {"mean": pair, "pairs": 1}


def test_by_outlet_prints_a_table_per_outlet(news_cli):
    result = news_cli("agreement", "--no-gamma", "--bootstrap", "100", "--by", "outlet")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("By outlet: pooled alpha with its 95% interval, mean overlap F1 of pairs")
    header, rule, *rows = lines[start + 1 : start + 6]
    assert header.split() == [
        "outlet", "documents", "done", "by", "one+", "alpha", "95%", "interval", "F1", "overlap"
    ]  # fmt: skip
    assert [r.split()[0] for r in rows[:2]] == ["Kyiv", "Tagesblick"]
    assert rows[2].split()[:3] == ["Vesti", "1", "1"] and "n/a" in rows[2]
    assert rows[1].split()[1:3] == ["2", "2"] and "[" in rows[1]


def test_without_by_there_is_no_stratum_block(news_cli):
    assert "by_stratum" not in _report(news_cli)


def test_unknown_stratum_is_a_usage_error(news_cli):
    result = news_cli("agreement", "--by", "author")
    assert result.exit_code == 2
    assert "'author' is not one of 'outlet', 'month', 'lang'" in result.stderr


def test_documents_without_the_field_are_one_stratum_listed_last(tmp_path):
    cli = Cli(tmp_path / "mixed.db")
    corpus(cli, tmp_path, {"x.html": PAGES["wire-troops.html"]})
    other = tmp_path / "plain.jsonl"
    other.write_text(json.dumps({"text": "Ein Text ohne Datum. " * 8}) + "\n", encoding="utf-8")
    assert cli("import", other).exit_code == 0
    (plain,) = cli.rows("SELECT text FROM document WHERE published IS NULL")[0]
    marks = tmp_path / "plain-marks.jsonl"
    marks.write_text(
        "\n".join(
            annotation_lines(plain, n, [(0, 3, "EDITORIAL_FRAMING")]) for n in ("anna", "ben")
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli("import", marks).exit_code == 0
    block = _report(cli, "--by", "month")["by_stratum"]
    assert [(s["value"], s["documents"]) for s in block["strata"]] == [("2025-05", 1), (None, 1)]
