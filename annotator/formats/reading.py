"""Helpers shared by the readers: line-numbered JSON streams and strict field checks."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from annotator.formats.base import ImportFormatError

_CHUNK = 1 << 16
IGNORED_KEY = "_ignored"  # meta key: counts of things a reader saw but could not map
# One line of a line-based file (JSONL, TSV, brat) may hold one whole document; a longer line is
# refused before it is read whole, so that memory stays bounded by this, not by the file.
MAX_LINE_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class FilePolicy:
    """Which files the readers of one import run may open.

    `follow_links`: read through symbolic links (`import --follow-links`); off, a link is never
    opened, and links met while walking a folder are skipped and listed in `skipped`.
    `protected`: (device, inode) of files never read whatever the path or link (the database,
    its journals and the secret key).
    """

    follow_links: bool = False
    protected: frozenset[tuple[int, int]] = frozenset()
    skipped: list[str] = field(default_factory=list)


_POLICY: ContextVar[FilePolicy | None] = ContextVar("file_policy", default=None)


def file_identities(paths) -> frozenset[tuple[int, int]]:
    """(device, inode) of those of `paths` that exist (links followed)."""
    found = set()
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        found.add((info.st_dev, info.st_ino))
    return frozenset(found)


@contextlib.contextmanager
def file_policy(policy: FilePolicy) -> Iterator[FilePolicy]:
    """Apply `policy` to every file the readers open inside the block."""
    token = _POLICY.set(policy)
    try:
        yield policy
    finally:
        _POLICY.reset(token)


def current_policy() -> FilePolicy:
    """The policy of the running import (a default one outside any)."""
    return _POLICY.get() or FilePolicy()


def is_link(path: Path) -> bool:
    """Whether `path` is a symbolic link the current policy does not follow."""
    return not current_policy().follow_links and os.path.islink(path)


def skip_link(path: Path) -> None:
    """Note that a link met while walking a folder was not read."""
    current_policy().skipped.append(str(path))


def open_regular(path: Path) -> IO[bytes]:
    """`path` opened for binary reading, if it is a regular file we may read: a symbolic link
    (unless followed), a device, a FIFO, the database or the secret key is an ImportFormatError
    naming it."""
    policy = current_policy()
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0)
    if not policy.follow_links:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not policy.follow_links and os.path.islink(path):
            raise ImportFormatError(
                f"{path}: a symbolic link; not followed (--follow-links reads links)"
            ) from None
        raise ImportFormatError(f"{path}: cannot read ({exc.strerror})") from None
    fh = os.fdopen(fd, "rb")
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        fh.close()
        raise ImportFormatError(f"{path}: not a regular file")
    if (info.st_dev, info.st_ino) in policy.protected:
        fh.close()
        raise ImportFormatError(f"{path}: the database or the secret key; never imported")
    os.set_blocking(fd, True)
    return fh


def regular_files(root: Path, keep) -> list[Path]:
    """The regular files under folder `root` whose names `keep(name)` accepts, sorted; folders
    and files reached by a symbolic link are skipped (and noted) unless links are followed."""
    follow = current_policy().follow_links
    found = []
    for folder, dirs, names in os.walk(root, followlinks=follow):
        for name in list(dirs):
            if not follow and os.path.islink(os.path.join(folder, name)):
                skip_link(Path(folder) / name)
                dirs.remove(name)
        dirs.sort()
        for name in names:
            file = Path(folder) / name
            if not keep(name):
                continue
            if not follow and os.path.islink(file):
                skip_link(file)
                continue
            found.append(file)
    return sorted(found)


def read_line(fh: IO[bytes], path: Path, line_no: int) -> bytes:
    """The next line of `fh` (b"" at the end), refusing one over MAX_LINE_BYTES by its number."""
    raw = fh.readline(MAX_LINE_BYTES + 1)
    if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
        raise ImportFormatError(
            f"{path}:{line_no}: line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB; refused"
        )
    return raw


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) of a regular file, each line bounded by MAX_LINE_BYTES."""
    with open_regular(path) as fh:
        line_no = 0
        while True:
            line_no += 1
            raw = read_line(fh, path, line_no)
            if not raw:
                return
            yield line_no, raw


def loads_bounded(text: str, where: str) -> Any:
    """json.loads with the hostile cases as an ImportFormatError naming `where`: nesting
    deeper than the interpreter's recursion limit, integers too long to convert."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"{where}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise ImportFormatError(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:  # int digits over sys.get_int_max_str_digits
        raise ImportFormatError(f"{where}: {exc.args[0].split(';')[0]}") from None
    return value


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSONL file, read line by line."""
    # Binary lines decoded one by one, so that a decoding error names its own line.
    for line_no, raw in iter_lines(path):
        if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"{path}:{line_no}: not UTF-8 ({exc.reason})") from None
        if not line.strip():
            continue
        obj = loads_bounded(line, f"{path}:{line_no}")
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
    with _text_reader(path) as fh:
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
            except RecursionError:
                raise ImportFormatError(
                    f"{path}:{line}: JSON nested too deeply in the element from line {line}"
                ) from None
            except json.JSONDecodeError as exc:
                if more():
                    continue
                bad_line = line + buf.count("\n", pos, exc.pos)
                raise ImportFormatError(
                    f"{path}:{bad_line}: not JSON ({exc.msg}) in the element from line {line}"
                ) from None
            except ValueError as exc:  # an integer longer than int() converts
                raise ImportFormatError(
                    f"{path}:{line}: {exc.args[0].split(';')[0]} in the element from line {line}"
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
    for line_no, raw in iter_lines(path):
        if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"{path}:{line_no}: not valid UTF-8 ({exc.reason})") from None
        if line.strip():
            yield line_no, line


@contextlib.contextmanager
def _text_reader(path: Path) -> Iterator[IO[str]]:
    """A regular file (see open_regular) as UTF-8 text; a decoding error names the file."""
    with open_regular(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig") as fh:
        try:
            yield fh
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"{path}: not valid UTF-8 ({exc.reason})") from None


def read_utf8(path: Path) -> str:
    """The whole of a small text file (one document), decoded as UTF-8 without newline changes;
    ImportFormatError naming the file, line and byte for invalid UTF-8."""
    with open_regular(path) as fh:
        try:
            raw = fh.read()
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
