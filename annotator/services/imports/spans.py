"""The span half of an import: annotators, label mapping, checks, snapping, merging, statuses.

The rules are those of `annotator.services.annotations` (DESIGN section 3): spans snap to whole
tokens, same-label overlaps of one annotator merge, every stored span and status change has an audit
event (actor `import`). Spans, statuses and their events are gathered over a batch of records
and written in a few statements per batch (`flush`), inside the run's transaction.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme, load_label_scheme
from annotator.core.origin import manual_origin
from annotator.core.records import GOLD, Span
from annotator.core.snapping import SnapError, snap_to_tokens
from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.formats.checks import span_problem
from annotator.services import accounts
from annotator.services.annotations import (
    MAX_NOTE,
    absorb_overlaps,
    fresh_span_ids,
    new_span,
    record_gold_status,
    record_status,
    widen_over,
)
from annotator.store import imports as import_store
from annotator.store import users as user_store
from annotator.store.statuses import REJECTED, get_gold_status

if TYPE_CHECKING:
    from annotator.services.imports.report import ImportReport

MAX_NOTES = 20  # "already annotated" notes listed; the report counts all of them


@dataclass(frozen=True, slots=True)
class SpanRules:
    """How spans read from foreign files become stored spans."""

    scheme: LabelScheme | None = None  # None: the default scheme, loaded when spans appear
    label_map: Mapping[str, str] = field(default_factory=dict)  # foreign label -> scheme key
    strict: bool = False  # refuse any span that would need snapping
    skip_invalid: bool = False  # report bad spans and import the rest instead of failing


class ImportProblemsError(ImportFormatError):
    """The input has problems; `problems` lists each one with its file and line."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the input")
        self.problems = problems


class SpanImport:
    """Checks and stores the spans of one import run, inside the run's transaction."""

    def __init__(self, db, rules: SpanRules, report: ImportReport, actor: str) -> None:
        self.db, self.rules, self.report, self.actor = db, rules, report, actor
        self.scheme = rules.scheme
        self.layers: dict[str, str] = {}  # annotator name in the file -> checked layer name
        self.touched = LayerSet()  # layers this run wrote to
        self.problems: list[str] = []
        self.unknown: dict[str, list] = {}  # label -> [count, first place]
        self._columns_of: tuple[int, int] | None = None  # (document id, tokens) converted
        self._token_columns: tuple[list[int], list[int], list[bool]] = ([], [], [])
        # Not yet written (flush): spans and status events in order, and status rows. Only
        # layers first touched since the last flush have any; every read of a layer touched
        # before (a repeated layer, gold) flushes first.
        self._writes: list = []
        self._statuses: list[tuple[int, str, str]] = []

    def add(self, record: ImportRecord, document_id: int, tokens) -> None:
        """Check, snap, merge and store one record's spans and status for its annotator."""
        layer = self._layer(record.annotator, record.source)
        key = (document_id, layer)
        if key not in self.touched:
            if import_store.layer_has_data(self.db, document_id, layer):
                # Never overwrite or double someone's work: a re-import leaves it alone.
                self.report.layers_skipped += 1
                if len(self.report.notes) < MAX_NOTES:
                    self.report.notes.append(
                        f"{record.source}: {layer} already has annotations on this document; "
                        "left alone"
                    )
                return
            self.touched.add(key)
            repeated = False
        else:
            repeated = True
            self.flush()  # what follows reads this layer's stored spans and status
        if record.spans and not repeated:
            plain = self._plain(record, document_id, layer, tokens)
            if plain is not None:  # the common case, without a Span per span
                self._writes.append(plain)
                self.report.spans_added += len(plain) // 8
                self._status(document_id, layer, record.done, True, record.rejected, False)
                return
        spans = self._spans(record, document_id, layer, tokens) if record.spans else []
        if repeated:
            # Before the merge below: a stored span may bridge two spans of this record.
            spans = [self._absorb_stored(span) for span in spans]
        merged = merge_same_label(spans)
        self._writes.extend(merged)
        self.report.spans_added += len(merged)
        self.report.spans_merged += len(spans) - len(merged)
        self._status(document_id, layer, record.done, bool(merged), record.rejected, repeated)

    def flush(self) -> None:
        """Write the spans, statuses and events gathered since the last flush."""
        if self._writes or self._statuses:
            import_store.write_import_batch(self.db, self._writes, self._statuses, self.actor)
            self._writes, self._statuses = [], []

    def finish(self) -> None:
        """Write what is gathered; raise ImportProblemsError when the run must not be
        committed."""
        self.flush()
        fatal = [
            f"{where}: unknown label {label!r} ({count} span(s)); labels of the scheme: "
            f"{', '.join(self._scheme().keys())}; map foreign labels with --map-labels FROM=TO"
            for label, (count, where) in self.unknown.items()
        ]
        if fatal or (self.problems and not self.rules.skip_invalid):
            raise ImportProblemsError(fatal + self.problems)
        self.report.problems.extend(self.problems)
        self.report.spans_skipped += len(self.problems)

    def _plain(
        self, record: ImportRecord, document_id: int, layer: str, tokens
    ) -> import_store.PlainLayer | None:
        """The record's spans as a PlainLayer where every one is the common span of `_spans`
        and they are in text order with no two sharing a token (nothing to merge); None
        otherwise, for `_spans` and the merge to take them. Stores the same as those would."""
        starts, ends, space = self._columns(document_id, tokens)
        ids = fresh_span_ids(len(record.spans))
        length = len(record.text)
        label_map = self.rules.label_map
        known = self._scheme().by_key
        strict = self.rules.strict
        values = import_store.PlainLayer()
        snapped = 0
        last_token = -1
        for i, imported in enumerate(record.spans):
            label = label_map.get(imported.label, imported.label) if label_map else imported.label
            on = _common_tokens(imported, label, length, known, strict, starts, ends, space)
            if on is None or on[0] <= last_token:
                return None
            first, last = on
            snapped += starts[first] != imported.start or ends[last] != imported.end
            last_token = last
            values += (ids[i], document_id, layer, label, starts[first], ends[last], first, last)
        self.report.spans_snapped += snapped
        return values

    def _spans(self, record: ImportRecord, document_id: int, layer: str, tokens) -> list[Span]:
        """The record's spans that pass their checks, snapped, in the record's order.

        The common span (integer offsets inside the text, a label of the scheme, no attributes,
        note, origin or claimed text, its ends on non-whitespace tokens) is built here, with the
        same result as `_check`'s; `_check` takes every other one and names its problem.
        """
        columns = self._columns(document_id, tokens)
        starts, ends, space = columns
        ids = fresh_span_ids(len(record.spans))
        length = len(record.text)
        label_map = self.rules.label_map
        known = self._scheme().by_key
        strict = self.rules.strict
        manual = manual_origin()
        spans: list[Span] = []
        for i, imported in enumerate(record.spans):
            label = label_map.get(imported.label, imported.label) if label_map else imported.label
            on = _common_tokens(imported, label, length, known, strict, starts, ends, space)
            if on is not None:
                first, last = on
                self.report.spans_snapped += (
                    starts[first] != imported.start or ends[last] != imported.end
                )
                spans.append(
                    Span(ids[i], document_id, layer, label, starts[first], ends[last], first,
                         last, {}, "", 1, "", "", None, manual.copy(), None)
                )  # fmt: skip
                continue
            span = self._check(record, i, imported, document_id, layer, columns, ids[i])
            if span is not None:
                spans.append(span)
        return spans

    def _columns(self, document_id: int, tokens) -> tuple[list[int], list[int], list[bool]]:
        """The document's token starts, ends and whitespace flags as lists (snapping with
        bisect), converted once for the records of one document's annotators."""
        key = (document_id, len(tokens.starts))
        if self._columns_of != key:
            self._columns_of = key
            self._token_columns = (
                tokens.starts.tolist(),
                tokens.ends.tolist(),
                tokens.space.tolist(),
            )
        return self._token_columns

    def _scheme(self) -> LabelScheme:
        if self.scheme is None:
            self.scheme = load_label_scheme(None)
        return self.scheme

    def _layer(self, name: str | None, where: str) -> str:
        if name is None:
            raise ImportFormatError(f"{where}: no annotator for these spans; pass --annotator")
        if name in self.layers:
            return self.layers[name]
        if name != GOLD:
            try:
                accounts.check_new_name(self.db, name)
            except AppError as exc:
                raise ImportFormatError(f"{where}: annotator {name!r}: {exc.message}") from None
            user = user_store.get_user(self.db, name)
            if user is None:
                user_store.ensure_annotator(self.db, name, self.actor)
                self.report.annotators_added.append(name)
            elif user.role != "annotator":
                raise ImportFormatError(
                    f"{where}: {name} is a {user.role}, not an annotator; a lead's work is the "
                    "gold layer (--annotator gold)"
                )
        self.layers[name] = name
        return name

    def _check(
        self,
        record: ImportRecord,
        i: int,
        imported: ImportedSpan,
        document_id: int,
        layer: str,
        tokens,
        span_id: str,
    ) -> Span | None:
        label = self.rules.label_map.get(imported.label, imported.label)
        scheme = self._scheme()
        if scheme.get(label) is None:
            entry = self.unknown.setdefault(label, [0, imported.source or record.source])
            entry[0] += 1
            return None
        problem = span_problem(imported, record.text)
        if problem is None:
            try:
                attributes = (
                    {}
                    if imported.attributes is None
                    else scheme.validate_attributes(label, imported.attributes)
                )
            except ValueError as exc:
                problem = str(exc)
        if problem is None and imported.note is not None and len(imported.note) > MAX_NOTE:
            problem = f"note longer than {MAX_NOTE} characters"
        if problem is None:
            try:
                starts, ends, space = tokens
                snapped = snap_to_tokens(
                    starts,
                    ends,
                    space,
                    len(record.text),
                    imported.start,
                    imported.end,
                )
            except SnapError as exc:
                problem = str(exc)
        if problem is None and (snapped.start, snapped.end) != (imported.start, imported.end):
            if self.rules.strict:
                problem = (
                    f"not on token boundaries (snapping gives {snapped.start}-{snapped.end}, "
                    f"{record.text[snapped.start : snapped.end]!r}); --strict refuses snapping"
                )
            else:
                self.report.spans_snapped += 1
        if problem is not None:
            where = imported.source or record.source
            what = f"{where}: span {i} ({imported.label} {imported.start}-{imported.end})"
            self.problems.append(f"{what}: {problem}")
            return None
        span = new_span(
            document_id, layer, label, snapped, attributes, imported.note or "", span_id
        )
        if imported.origin is not None:
            span.origin = dict(imported.origin)
        return span

    def _absorb_stored(self, span: Span) -> Span:
        """Merge stored same-label overlaps into `span` (a layer seen twice in one run)."""
        merged = absorb_overlaps(self.db, self.actor, span)
        self.report.spans_merged += merged
        self.report.spans_added -= merged
        return span

    def _status(
        self,
        document_id: int,
        layer: str,
        done: bool,
        has_spans: bool,
        rejected: bool,
        repeated: bool,
    ) -> None:
        if layer == GOLD:
            before = get_gold_status(self.db, document_id)
            after = "adjudicated" if done else "in_progress"
            if done or (has_spans and before == "not_started"):
                self.flush()  # its event follows those of the spans
                record_gold_status(self.db, self.actor, document_id, after)
        elif not repeated:
            # A layer first touched in this run has no status (layer_has_data said so): what
            # record_status below would do, gathered for the batch's statements.
            status = "done" if done else REJECTED if rejected else "in_progress"
            if done or rejected or has_spans:
                self._statuses.append((document_id, layer, status))
                self._writes.append(
                    import_store.status_event(self.actor, document_id, layer, None, status)
                )
        else:
            self.flush()  # its event follows those of the spans
            if done:
                record_status(self.db, self.actor, document_id, layer, "done")
            elif rejected:
                record_status(self.db, self.actor, document_id, layer, REJECTED)
            elif has_spans:
                record_status(
                    self.db, self.actor, document_id, layer, "in_progress", only_if_unset=True
                )
        if done:
            self.report.layers_done += 1


def _common_tokens(
    imported: ImportedSpan,
    label: str,
    length: int,
    known: Mapping,
    strict: bool,
    starts: list[int],
    ends: list[int],
    space: list[bool],
) -> tuple[int, int] | None:
    """The first and last token of the common span (integer offsets inside the text of
    `length`, a `label` of the scheme, no attributes, note, origin or claimed text, its ends on
    non-whitespace tokens, not moved by snapping under --strict), as snap_to_tokens gives them:
    the first token ending after its start, the last starting before its end, neither
    whitespace, so nothing to trim. None for any other span (`SpanImport._check` takes it)."""
    start, end = imported.start, imported.end
    if not (
        type(start) is int
        and type(end) is int
        and 0 <= start < end <= length
        and imported.attributes is None
        and imported.note is None
        and imported.origin is None
        and imported.expected_text is None
        and label in known
    ):
        return None
    first = bisect_right(ends, start)
    last = bisect_left(starts, end) - 1
    if first > last or space[first] or space[last]:
        return None
    if strict and (starts[first] != start or ends[last] != end):
        return None
    return first, last


class LayerSet:
    """A set of (document id, layer name) in one bit per document and layer: what a run of
    300,000 layers remembers stays a few hundred kilobytes (a set of tuples took some 30 MB)."""

    def __init__(self) -> None:
        self._bits: dict[str, bytearray] = {}

    def __contains__(self, key: tuple[int, str]) -> bool:
        document_id, layer = key
        bits = self._bits.get(layer)
        byte = document_id >> 3
        return bits is not None and byte < len(bits) and bool(bits[byte] & (1 << (document_id & 7)))

    def add(self, key: tuple[int, str]) -> None:
        """Remember one layer."""
        document_id, layer = key
        bits = self._bits.setdefault(layer, bytearray())
        byte = document_id >> 3
        if byte >= len(bits):
            bits.extend(bytes(max(byte + 1 - len(bits), len(bits))))  # doubling: amortised
        bits[byte] |= 1 << (document_id & 7)


def merge_same_label(spans: list[Span]) -> list[Span]:
    """Spans with same-label overlaps (sharing a token) merged into one, in text order."""
    last_end = -1
    for span in spans:
        if span.token_start <= last_end:
            break
        last_end = span.token_end
    else:
        return list(spans)  # in text order, no two sharing a token (the common case)
    merged: list[Span] = []
    last_of_label: dict[str, Span] = {}
    for span in sorted(spans, key=lambda s: (s.token_start, s.token_end)):
        previous = last_of_label.get(span.label)
        if previous is not None and span.token_start <= previous.token_end:
            widen_over(previous, span)
            continue
        merged.append(span)
        last_of_label[span.label] = span
    return merged
