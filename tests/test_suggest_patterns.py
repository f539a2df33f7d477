"""Rule suggestions: the pattern file is validated per line and field, and patterns fire."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from annotator.core.labels import load_label_scheme
from annotator.suggest.patterns import (
    DEFAULT_PATTERNS_PATH,
    PatternFileError,
    load_patterns,
    suggest_with_patterns,
)

LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GOOD = {"label": "EDITORIAL_FRAMING", "pattern": "Kanonenfutter", "id": "futter"}


def write_lines(path: Path, *lines) -> Path:
    path.write_text(
        "".join(
            (x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines
        ),
        encoding="utf-8",
    )
    return path


def error_for(tmp_path: Path, *lines) -> str:
    path = write_lines(tmp_path / "patterns.jsonl", *lines)
    with pytest.raises(PatternFileError) as caught:
        load_patterns(path, LABELS)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_shipped_patterns_load_against_the_shipped_scheme():
    patterns = load_patterns(DEFAULT_PATTERNS_PATH, load_label_scheme().keys())
    assert set(patterns.labels()) == set(LABELS)


def test_bad_json_line_names_file_and_line(tmp_path):
    message = error_for(tmp_path, GOOD, '{"label": "EDITORIAL_FRAMING", "pattern": ')
    assert message.startswith(f"{tmp_path / 'patterns.jsonl'}:2: not valid JSON")


def test_unknown_label_names_line_and_field(tmp_path):
    message = error_for(tmp_path, GOOD, "", {"label": "PROPAGANDA", "pattern": "Regime"})
    assert ":3: field 'label': unknown label 'PROPAGANDA'" in message


def test_missing_pattern_names_the_field(tmp_path):
    assert ":1: field 'pattern': missing" in error_for(tmp_path, {"label": "INTEL_ESTIMATE"})


def test_pattern_of_the_wrong_type(tmp_path):
    message = error_for(tmp_path, {"label": "INTEL_ESTIMATE", "pattern": 42})
    assert ":1: field 'pattern': must be a phrase (string) or a token pattern" in message


def test_bad_token_attribute_names_the_token_and_attribute(tmp_path):
    bad = {"label": "INTEL_ESTIMATE", "pattern": [{"LOWER": "laut"}, {"LOWERX": "nato"}]}
    message = error_for(tmp_path, GOOD, GOOD | {"id": "b"}, bad)
    assert ":3: field 'pattern[1].LOWERX': Extra inputs are not permitted" in message


def test_unknown_field_score_out_of_range_bad_regex_and_duplicate_id(tmp_path):
    assert "field 'colour': unknown field" in error_for(tmp_path, GOOD | {"colour": "red"})
    assert "field 'score': must be a number in (0, 1]" in error_for(tmp_path, GOOD | {"score": 2})
    regex = {"label": "INTEL_ESTIMATE", "pattern": [{"LOWER": {"REGEX": "(nato"}}]}
    assert "field 'pattern[0]': bad REGEX" in error_for(tmp_path, regex)
    assert ":2: field 'id': 'futter' already used on line 1" in error_for(tmp_path, GOOD, GOOD)
    assert "field 'focus': 'quote' needs a quotation mark" in error_for(
        tmp_path, GOOD | {"focus": "quote"}
    )


def test_patterns_fire_on_a_german_sentence():
    text = (
        "Kremlsprecher Peskow sagte, „die Spezialoperation verläuft nach Plan“. "
        "Nach Erkenntnissen südkoreanischer Geheimdienste entsandte Nordkorea rund 11.000 "
        "Soldaten. Russland profitiert von zusätzlichem Kanonenfutter."
    )
    patterns = load_patterns(DEFAULT_PATTERNS_PATH, LABELS)
    [proposals] = suggest_with_patterns([text], patterns)
    found = {(p.label, text[p.start : p.end]) for p in proposals}
    assert ("STATE_PROPAGANDA", "„die Spezialoperation verläuft nach Plan“") in found
    assert (
        "INTEL_ESTIMATE",
        "Nach Erkenntnissen südkoreanischer Geheimdienste entsandte Nordkorea rund 11.000 Soldaten",
    ) in found
    assert ("EDITORIAL_FRAMING", "Kanonenfutter") in found
    assert all(p.source == "patterns" and 0 < p.score <= 1 for p in proposals)


def test_a_quote_without_a_state_actor_is_not_state_propaganda():
    text = "Ein Bauer sagte, „die Ernte war gut“, und lachte."
    [proposals] = suggest_with_patterns([text], load_patterns(DEFAULT_PATTERNS_PATH, LABELS))
    assert [p for p in proposals if p.label == "STATE_PROPAGANDA"] == []


def test_patterns_fire_on_the_demo_corpus():
    texts = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    results = suggest_with_patterns(texts, load_patterns(DEFAULT_PATTERNS_PATH, LABELS))
    first = texts[0]
    quoted = {first[p.start : p.end] for p in results[0] if p.label == "STATE_PROPAGANDA"}
    assert "„ukrainische Neonazi-Besatzer zu vernichten und die Region Kursk zu befreien“" in quoted
    labels_seen = {p.label for proposals in results for p in proposals}
    assert labels_seen == set(LABELS)


def test_a_changed_file_is_reread_without_restart(tmp_path):
    path = write_lines(tmp_path / "patterns.jsonl", GOOD)
    text = "Kanonenfutter und Pulverfass."
    [before] = suggest_with_patterns([text], load_patterns(path, LABELS))
    assert [text[p.start : p.end] for p in before] == ["Kanonenfutter"]
    write_lines(path, GOOD, {"label": "EDITORIAL_FRAMING", "pattern": "Pulverfass", "score": 0.4})
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # coarse file clocks
    [after] = suggest_with_patterns([text], load_patterns(path, LABELS))
    assert [(text[p.start : p.end], p.score) for p in after] == [
        ("Kanonenfutter", 1.0),
        ("Pulverfass", 0.4),
    ]


def test_offsets_are_character_offsets_past_non_ascii_text():
    text = "Über „Zweckgemeinschaft“ schreibt man: ein Desaster."
    [proposals] = suggest_with_patterns([text], load_patterns(DEFAULT_PATTERNS_PATH, LABELS))
    assert {text[p.start : p.end] for p in proposals} >= {"Zweckgemeinschaft", "Desaster"}
