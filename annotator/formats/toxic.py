"""The raw per-rater tables of the toxic spans dataset (Pavlopoulos et al., ACL 2022).

A folder with three CSV files (see ipavlopoulos/toxic_spans, data/):

- `comments.csv`: comment_id, comment_text
- `annotations.csv`: annotation (id of one rater's judgement of one comment), comment_id, worker,
  country, `all toxic` (the rater called the whole comment toxic), `not toxic` (nothing toxic)
- `spans.csv`: annotation, type (Insult, Threat, ...), start, end (character offsets, end exclusive)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.formats.reading import open_regular, parse_offset

TABLES = ("comments.csv", "annotations.csv", "spans.csv")
_COLUMNS = {
    "comments.csv": ("comment_id", "comment_text"),
    "annotations.csv": ("annotation", "comment_id", "worker"),
    "spans.csv": ("annotation", "type", "start", "end"),
}


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV table, checking its header; line = where the row starts."""
    with open_regular(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            missing = [c for c in _COLUMNS[path.name] if c not in (reader.fieldnames or [])]
            if missing:
                raise ImportFormatError(f"{path}:1: missing column(s) {', '.join(missing)}")
            line = reader.line_num + 1
            for row in reader:
                yield line, row
                line = reader.line_num + 1
        except csv.Error as exc:
            raise ImportFormatError(f"{path}:{reader.line_num}: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                f"{path}:{reader.line_num + 1}: not valid UTF-8 ({exc.reason})"
            ) from None


def _flag(value: str | None, where: str) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("True", "False"):
        return value == "True"
    raise ImportFormatError(f"{where}: expected True or False, got {value!r}")


def read_toxic(path: Path) -> Iterator[ImportRecord]:
    """Records of a toxic spans folder: one per rater-annotation, streamed over annotations.csv.

    The comment is the document (`external_id` = `toxic:<comment_id>`); the annotator is
    `worker-<worker>`; every rater-annotation is complete, so done. The rater's other columns
    (annotation id, country, all toxic, not toxic) go to `meta["rater"]`, since they describe the
    judgement rather than the comment. The comments and the spans tables are indexed in memory
    (a few MB for the whole dataset); the annotations stream.
    """
    folder = Path(path)
    for name in TABLES:
        if not (folder / name).is_file():
            raise ImportFormatError(f"{folder}: no {name} (toxic spans layout)")
    comments: dict[str, str] = {}
    for _, row in _rows(folder / "comments.csv"):
        comments[row["comment_id"]] = row["comment_text"]
    spans: dict[str, list[ImportedSpan]] = {}
    spans_csv = folder / "spans.csv"
    for line, row in _rows(spans_csv):
        where = f"{spans_csv}:{line}"
        label = row["type"]
        if not label:
            raise ImportFormatError(f"{where}: empty span type")
        spans.setdefault(row["annotation"], []).append(
            ImportedSpan(
                start=parse_offset(row["start"], "start", where),
                end=parse_offset(row["end"], "end", where),
                label=label,
                source=where,
            )
        )
    annotations_csv = folder / "annotations.csv"
    # Refuse before yielding anything: spans of an annotation missing from annotations.csv would
    # otherwise be lost silently.
    known = {row["annotation"] for _, row in _rows(annotations_csv)}
    for annotation_id, orphans in spans.items():
        if annotation_id not in known:
            raise ImportFormatError(f"{orphans[0].source}: annotation not in annotations.csv")
    for line, row in _rows(annotations_csv):
        where = f"{annotations_csv}:{line}"
        comment_id = row["comment_id"]
        if comment_id not in comments:
            raise ImportFormatError(f"{where}: comment {comment_id} not in comments.csv")
        if not row["worker"]:
            raise ImportFormatError(f"{where}: empty worker")
        rater = {
            "annotation": row["annotation"],
            "country": row.get("country") or None,
            "all_toxic": _flag(row.get("all toxic"), where),
            "not_toxic": _flag(row.get("not toxic"), where),
        }
        yield ImportRecord(
            text=comments[comment_id],
            source=where,
            external_id=f"toxic:{comment_id}",
            title=None,
            meta={"comment_id": comment_id, "rater": rater},
            annotator=f"worker-{row['worker']}",
            spans=spans.pop(row["annotation"], []),
            done=True,
        )
