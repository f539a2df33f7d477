"""Helpers shared by the readers: line-numbered JSON streams and strict field checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.formats.base import ImportFormatError

_CHUNK = 1 << 16
IGNORED_KEY = "_ignored"  # meta key: counts of things a reader saw but could not map


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSONL file, read line by line."""
    # Binary lines decoded one by one, so that a decoding error names its own line.
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFormatError(f"{path}:{line_no}: not UTF-8 ({exc.reason})") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportFormatError(f"{path}:{line_no}: not JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise ImportFormatError(
                    f"{path}:{line_no}: expected a JSON object, got {type(obj).__name__}"
                )
            yield line_no, obj


def iter_json_array(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, element) for each element of a top-level JSON array, decoded incrementally.

    Label Studio exports one array holding every task; decoding element by element keeps memory
    bounded by the largest task instead of the whole file.
    """
    decoder = json.JSONDecoder()
    with open(path, encoding="utf-8-sig") as fh:
        buf = fh.read(_CHUNK)
        eof = not buf
        pos = 0
        line = 1  # line number at buf[pos]

        def skip(chars: str) -> None:
            nonlocal pos, line
            while pos < len(buf) and buf[pos] in chars:
                if buf[pos] == "\n":
                    line += 1
                pos += 1

        def more() -> bool:
            nonlocal buf, pos, eof
            if eof:
                return False
            # Grow the read with the pending data so a huge element costs O(n) re-tries, not O(n^2).
            chunk = fh.read(max(_CHUNK, len(buf) - pos))
            buf = buf[pos:] + chunk
            pos = 0
            eof = not chunk
            return bool(chunk)

        while True:
            skip(" \t\r\n")
            if pos < len(buf) or not more():
                break
        if pos >= len(buf) or buf[pos] != "[":
            raise ImportFormatError(f"{path}:{line}: expected a JSON array of tasks")
        pos += 1
        expect_comma = False
        while True:
            skip(" \t\r\n")
            if pos >= len(buf):
                if not more():
                    raise ImportFormatError(f"{path}:{line}: unexpected end of file in array")
                continue
            ch = buf[pos]
            if ch == "]":
                return
            if expect_comma:
                if ch != ",":
                    raise ImportFormatError(f"{path}:{line}: expected ',' or ']' in array")
                pos += 1
                expect_comma = False
                continue
            try:
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if more():
                    continue
                bad_line = line + buf.count("\n", pos, exc.pos)
                raise ImportFormatError(
                    f"{path}:{bad_line}: not JSON ({exc.msg}) in the element from line {line}"
                ) from None
            if end == len(buf) and not eof and isinstance(obj, int | float):
                # A number may continue in the next chunk; re-read it whole.
                if more():
                    continue
            start_line = line
            line += buf.count("\n", pos, end)
            pos = end
            expect_comma = True
            yield start_line, obj


def iter_text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its line end) for each non-blank line of a UTF-8 text file."""
    with open(path, encoding="utf-8-sig") as fh:
        for line_no, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            if line.strip():
                yield line_no, line


def read_utf8(path: Path) -> str:
    """The whole of a small text file (one document), decoded as UTF-8 without newline changes;
    ImportFormatError naming the file, line and byte for invalid UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            f"{path}:{line}: not valid UTF-8 (byte {exc.start}: {raw[exc.start]:#04x})"
        ) from exc


def require_text(obj: dict[str, Any], key: str, where: str) -> str:
    """obj[key] as a string, else an ImportFormatError naming `where`."""
    value = obj.get(key)
    if not isinstance(value, str):
        what = "missing" if value is None else f"not a string ({type(value).__name__})"
        raise ImportFormatError(f'{where}: "{key}" {what}')
    return value


def require_label(obj: dict[str, Any], where: str) -> str:
    """obj["label"] as a non-empty string, else an ImportFormatError naming `where`."""
    label = require_text(obj, "label", where)
    if not label:
        raise ImportFormatError(f'{where}: "label" is empty')
    return label


def iter_objects(raw: Any, key: str, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(location, element) for each element of the list found under `key`, each an object;
    else an ImportFormatError naming `where` (and the element)."""
    if not isinstance(raw, list):
        raise ImportFormatError(f'{where}: "{key}" must be a list')
    for i, item in enumerate(raw):
        at = f'{where}: "{key}"[{i}]'
        if not isinstance(item, dict):
            raise ImportFormatError(f"{at}: must be an object")
        yield at, item


def require_offset(value: Any, what: str, where: str) -> int:
    """An integer character offset (bool and float refused), else an ImportFormatError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ImportFormatError(f"{where}: {what} must be an integer, got {value!r}")
    return value


def parse_offset(value: str, what: str, where: str) -> int:
    """An integer offset from a text column (TSV, CSV, brat), else an ImportFormatError."""
    try:
        return int(value.strip())
    except ValueError:
        raise ImportFormatError(f"{where}: {what} must be an integer, got {value!r}") from None
