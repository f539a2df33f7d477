"""Guess an import format from a path's content, for `annotator import --format auto`."""

from __future__ import annotations

from pathlib import Path

from annotator.formats.base import ImportFormatError
from annotator.formats.ptc import is_labels_file
from annotator.formats.reading import is_link, iter_lines, loads_bounded, open_regular
from annotator.formats.toxic import TABLES

_PRODIGY_KEYS = {"spans", "_annotator_id", "_session_id", "answer", "tokens", "_input_hash"}
_DOCCANO_KEYS = {"label", "labels", "entities"}


def detect_format(path: Path) -> str:
    """The import format (a name of formats.registry) of `path`, judged by content."""
    path = Path(path)
    if path.is_dir():
        return _detect_folder(path)
    if is_link(path):
        raise ImportFormatError(
            f"{path}: a symbolic link; not followed (--follow-links reads links)"
        )
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such file or folder")
    if path.suffix == ".ann" or (path.suffix == ".txt" and path.with_suffix(".ann").is_file()):
        return "brat"
    if path.name in TABLES:
        return "toxic"
    if is_labels_file(path):
        return "ptc"
    head = _head(path)
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "labelstudio"
    if stripped.startswith("{"):
        return _detect_jsonl(path, stripped.split("\n", 1)[0])
    if path.suffix in (".json", ".jsonl"):
        raise ImportFormatError(f"{path}:1: neither a JSON array nor JSON lines")
    return "text"


def _detect_folder(path: Path) -> str:
    if all((path / name).is_file() for name in TABLES):
        return "toxic"
    if any(path.rglob("*.ann")):
        return "brat"
    if any(path.rglob("article*.txt")) and any(
        is_labels_file(p) for p in path.rglob("*labels*") if p.is_file()
    ):
        return "ptc"
    kinds = {p.suffix for p in path.iterdir() if p.is_file() and not p.name.startswith(".")}
    if kinds and kinds <= {".txt", ".md"}:
        return "text"
    raise ImportFormatError(f"{path}: cannot tell the format of this folder; use --format")


def _head(path: Path, size: int = 4096) -> str:
    with open_regular(path) as fh:
        return fh.read(size).decode("utf-8-sig", errors="replace")


def _detect_jsonl(path: Path, first: str) -> str:
    # The first line may be longer than the head we read: read it whole (bounded).
    line_no = 1
    for line_no, raw in iter_lines(path):
        if raw.strip():
            try:
                first = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    f"{path}:{line_no}: not valid UTF-8 ({exc.reason})"
                ) from None
            break
    try:
        obj = loads_bounded(first, f"{path}:{line_no}")
    except ImportFormatError:
        # a pretty-printed single object is not JSONL
        raise ImportFormatError(f"{path}:{line_no}: first line is not a JSON object") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text", obj.get("data")), str):
        if isinstance(obj, dict) and isinstance(obj.get("data"), dict):
            raise ImportFormatError(
                f"{path}:1: looks like Label Studio tasks as JSON lines; export as JSON instead"
            )
        raise ImportFormatError(f'{path}:1: a JSON line without "text"')
    keys = set(obj)
    if keys & _PRODIGY_KEYS:
        return "prodigy"
    if keys & _DOCCANO_KEYS:
        return "doccano"
    return "jsonl"
