"""Plain text files and folders of them: one document per `.txt` file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from annotator.formats.base import ImportFormatError, ImportRecord
from annotator.formats.reading import read_utf8, regular_files


def read_text(path: Path) -> Iterator[ImportRecord]:
    """One record for a `.txt` file, or one per `.txt` file under a folder (sorted)."""
    if path.is_dir():
        files = regular_files(path, lambda name: name.endswith(".txt"))
        if not files:
            raise ImportFormatError(f"{path}: no .txt files in this folder")
        for file in files:
            yield _record(file, file.relative_to(path).as_posix())
    else:
        yield _record(path, path.name)


def _record(path: Path, external_id: str) -> ImportRecord:
    text = read_utf8(path)
    if not text.strip():
        raise ImportFormatError(f"{path}: empty file")
    return ImportRecord(text=text, source=str(path), external_id=external_id, title=title_of(text))


def title_of(text: str, limit: int = 120) -> str:
    """The first non-blank line; a long one is cut at a word boundary with an ellipsis."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] if " " in line[:limit] else line[:limit]
    return cut.rstrip(" ,;:–-") + " …"
