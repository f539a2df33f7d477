"""The lead's disagreement view and adjudication into gold (progress and assignment: `assignments`).

The classification and grouping functions are pure; the actions go through annotations.py (every
gold change snapped, merged, versioned and audited) and the store.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from annotator import store
from annotator.agreement.span_relations import BOUNDARY, LABEL, MISSING, SAME
from annotator.agreement.span_relations import overlaps as _overlaps
from annotator.agreement.span_relations import same_place as _same
from annotator.core.errors import AppError, NeedsConfirmation
from annotator.core.labels import LabelScheme
from annotator.core.records import GOLD, Span, User
from annotator.services.annotations import (
    CHOSEN_EXTENT,
    ExtentCheck,
    SpanInput,
    create_span,
    readable_span,
    record_gold_status,
)
from annotator.store.events import record_event
from annotator.store.gold import span_decisions
from annotator.store.spans import list_spans
from annotator.store.statuses import (
    GOLD_STATUSES,
    done_annotators,
    get_gold_status,
)

KIND_NAMES = {
    "agree": "marked identically by every done annotator",
    "boundary": "same label, different boundaries",
    "label": "same text, different label",
    "missing": "missing in some annotator's layer",
    "unpaired": "no other done annotator to compare with",
}


# Disagreement ----------------------------------------------------------------------------------


@dataclass(slots=True)
class ClassifiedSpan:
    span: Span
    kind: str  # agree | boundary | label | missing | unpaired | gold
    relations: dict[str, str] = field(default_factory=dict)
    in_gold: bool = False


class _OverlapIndex:
    """Spans sorted by start with the running maximum of their ends: whether any span overlaps
    [ts, te] is one binary search (the spans with start <= te; does the farthest reach ts?)."""

    __slots__ = ("starts", "reach")

    def __init__(self, spans: Sequence[Span]) -> None:
        ordered = sorted(spans, key=lambda s: s.token_start)
        self.starts = [s.token_start for s in ordered]
        self.reach = []
        farthest = -1
        for s in ordered:
            farthest = max(farthest, s.token_end)
            self.reach.append(farthest)

    def overlaps(self, token_start: int, token_end: int) -> bool:
        """Whether some span shares a token with [token_start, token_end]."""
        k = bisect_right(self.starts, token_end)
        return k > 0 and self.reach[k - 1] >= token_start


class _Layer:
    """One layer indexed for `relation`: exact keys, and overlap indexes overall and per label."""

    __slots__ = ("exact", "any_label", "by_label")

    def __init__(self, spans: Sequence[Span]) -> None:
        self.exact = {(s.label, s.token_start, s.token_end) for s in spans}
        self.any_label = _OverlapIndex(spans)
        grouped: dict[str, list[Span]] = {}
        for s in spans:
            grouped.setdefault(s.label, []).append(s)
        self.by_label = {label: _OverlapIndex(group) for label, group in grouped.items()}

    def relation(self, span: Span) -> str:
        """`relation(span, layer)` in O(log n)."""
        if (span.label, span.token_start, span.token_end) in self.exact:
            return SAME
        same_label = self.by_label.get(span.label)
        if same_label is not None and same_label.overlaps(span.token_start, span.token_end):
            return BOUNDARY
        if self.any_label.overlaps(span.token_start, span.token_end):
            return LABEL
        return MISSING


def classify_spans(
    layers: dict[str, list[Span]], done: Sequence[str], gold: Sequence[Span]
) -> dict[str, list[ClassifiedSpan]]:
    """Each annotator's spans against the other done annotators' layers.

    A span is `agree` when every other done annotator has the same label and tokens; otherwise
    the most serious difference names it: missing (someone has nothing there) before label
    before boundary. Each layer is indexed once, so the cost is O(n log n) in the spans.
    """
    indexed = {name: _Layer(layers.get(name, [])) for name in done}
    in_gold_keys = {(g.label, g.token_start, g.token_end) for g in gold}
    result: dict[str, list[ClassifiedSpan]] = {}
    for name, spans in layers.items():
        others = [o for o in done if o != name]
        classified = []
        for span in spans:
            relations = {o: indexed[o].relation(span) for o in others}
            values = set(relations.values())
            if not others:
                kind = "unpaired"
            elif values == {SAME}:
                kind = "agree"
            else:
                kind = next(k for k in (MISSING, LABEL, BOUNDARY) if k in values)
            in_gold = (span.label, span.token_start, span.token_end) in in_gold_keys
            classified.append(ClassifiedSpan(span, kind, relations, in_gold))
        result[name] = classified
    return result


@dataclass(slots=True)
class Region:
    """A run of text where spans of any layer overlap: one aligned row of the view.

    `cells` hold the spans of the chosen labels; `hidden` the spans of the other labels that
    overlap the run, so that the view can say a place is hidden rather than empty, and
    `hidden_partners` names, per shown span, the layers whose differently labelled span (the
    reason for its `label` kind) is hidden by the label filter.
    """

    token_start: int
    token_end: int
    cells: dict[str, list[ClassifiedSpan]]
    hidden: dict[str, list[ClassifiedSpan]] = field(default_factory=dict)
    hidden_partners: dict[str, list[str]] = field(default_factory=dict)

    def kinds(self) -> set[str]:
        """The kinds of the annotator spans in this region."""
        return {c.kind for name, cells in self.cells.items() if name != GOLD for c in cells}


def regions(
    classified: dict[str, list[ClassifiedSpan]], gold: Sequence[Span], labels: Sequence[str]
) -> list[Region]:
    """Group the spans of the chosen labels, annotators' and gold, into overlapping runs.

    Spans of other labels start no run of their own but are noted as hidden in the runs they
    overlap; the classification itself always comes from every label (`classify_spans`).
    """
    entries = [(name, c) for name, cs in classified.items() for c in cs]
    entries += [(GOLD, ClassifiedSpan(g, "gold", in_gold=True)) for g in gold]
    entries.sort(key=lambda e: (e[1].span.token_start, -e[1].span.token_end))
    chosen = set(labels)
    result: list[Region] = []
    for name, entry in entries:
        s = entry.span
        if s.label not in chosen:
            continue
        if result and s.token_start <= result[-1].token_end:
            region = result[-1]
            region.token_end = max(region.token_end, s.token_end)
        else:
            region = Region(s.token_start, s.token_end, {})
            result.append(region)
        region.cells.setdefault(name, []).append(entry)
    ends = [r.token_end for r in result]
    for name, entry in entries:
        s = entry.span
        if s.label in chosen:
            continue
        # Runs are disjoint and ordered: the first that ends at or after the span's start.
        k = bisect_left(ends, s.token_start)
        while k < len(result) and result[k].token_start <= s.token_end:
            result[k].hidden.setdefault(name, []).append(entry)
            k += 1
    for region in result:
        _note_hidden_partners(region)
    return result


def _note_hidden_partners(region: Region) -> None:
    """Per span with a `label` relation, the layers whose differently labelled overlapping span
    is not among the region's shown cells (the label filter hides it)."""
    indexes: dict[str, dict[str, _OverlapIndex]] = {}

    def shown_other_label(other: str, span: Span) -> bool:
        if other not in indexes:
            grouped: dict[str, list[Span]] = {}
            for x in region.cells.get(other, []):
                grouped.setdefault(x.span.label, []).append(x.span)
            indexes[other] = {label: _OverlapIndex(group) for label, group in grouped.items()}
        return any(
            index.overlaps(span.token_start, span.token_end)
            for label, index in indexes[other].items()
            if label != span.label
        )

    for cells in region.cells.values():
        for c in cells:
            partners = [
                other
                for other, rel in c.relations.items()
                if rel == LABEL and not shown_other_label(other, c.span)
            ]
            if partners:
                region.hidden_partners[c.span.id] = partners


@dataclass(slots=True)
class Stretch:
    """A stretch of text whose rows a change replaces: every place in it, after the change."""

    token_start: int
    token_end: int
    places: list[Region]


def changed_stretches(
    places: Sequence[Region], changed: Sequence[tuple[int, int]]
) -> list[Stretch]:
    """The stretches of `places` (the regions after a change, in order) whose rows change when
    spans inside the `changed` token ranges [start, end] were added, removed or edited.

    A span that overlaps a range may change kind (its relation to the changed layer), so each
    range first widens over the hidden spans that overlap it: a shown one lies in a place over
    the range anyway, but a hidden one (a label the filter leaves out) is listed in every place
    it overlaps, beyond the range too. Then each range widens over the places it overlaps, and
    overlapping stretches join. A place outside every stretch was the same place before the
    change (none of its spans changed, changed kind or joined it), and every place that
    overlapped a range before the change lies inside the stretch (its unchanged spans belong to
    places that overlap the range now), so replacing the rows that overlap each stretch with
    its places brings a view from before to after.
    """
    starts = [r.token_start for r in places]
    ends = [r.token_end for r in places]
    hidden = [c.span for place in places for cells in place.hidden.values() for c in cells]
    reach = [list(r) for r in changed]
    for (first, last), r in zip(changed, reach, strict=True):
        for s in hidden:
            if s.token_start <= last and s.token_end >= first:
                r[0], r[1] = min(r[0], s.token_start), max(r[1], s.token_end)
    widened = []
    for first, last in reach:
        lo, hi = bisect_left(ends, first), bisect_right(starts, last)  # places[lo:hi] overlap
        if lo < hi:
            first, last = min(first, starts[lo]), max(last, ends[hi - 1])
        widened.append((first, last))
    joined: list[list[int]] = []
    for first, last in sorted(widened):
        if joined and first <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], last)
        else:
            joined.append([first, last])
    return [
        Stretch(first, last, list(places[bisect_left(starts, first) : bisect_right(starts, last)]))
        for first, last in joined
    ]


def identical_spans(classified: dict[str, list[ClassifiedSpan]], done: Sequence[str]) -> list:
    """Spans every done annotator (at least two) marked identically and gold lacks."""
    if len(done) < 2:
        return []
    first = sorted(done)[0]
    return [c.span for c in classified.get(first, []) if c.kind == "agree" and not c.in_gold]


# Adjudication ----------------------------------------------------------------------------------


def _gold_started(db, user: User, document_id: int) -> None:
    """A first gold decision moves the document from not_started to in_progress."""
    if get_gold_status(db, document_id) == "not_started":
        change_gold_status(db, user, document_id, "in_progress")


def undecided_spans(db, document_id: int) -> list[Span]:
    """Done annotators' spans the lead has not decided: not in gold, not rejected, and no gold
    span of their label over them (the lead drew other boundaries)."""
    gold = list_spans(db, document_id, GOLD)
    decisions = span_decisions(db, document_id)
    return [
        span
        for name in done_annotators(db, document_id)
        for span in list_spans(db, document_id, name)
        if decisions.get(span.id) != "reject"
        and not any(g.label == span.label and _overlaps(g, span) for g in gold)
    ]


def change_gold_status(
    db, user: User, document_id: int, status: str, confirmed: bool = False
) -> bool:
    """Set the document's gold status (audited); whether it changed. Marking it adjudicated
    with annotators' spans undecided needs `confirmed`: the scores against gold would count
    those spans against the annotators."""
    if user.role != "lead":
        raise AppError("only leads adjudicate", 403)
    if status not in GOLD_STATUSES:
        raise AppError(f"gold status must be one of {', '.join(GOLD_STATUSES)}")
    with store.write_transaction(db):
        store.get_document(db, document_id)
        if status == "adjudicated" and not confirmed:
            undecided = undecided_spans(db, document_id)
            if undecided:
                places = len(
                    regions(classify_spans({"": undecided}, [], []), [], _labels_of(undecided))
                )
                raise NeedsConfirmation(
                    f"{_plural(len(undecided), 'annotator span')} in {_plural(places, 'place')} "
                    f"{'is' if len(undecided) == 1 else 'are'} neither in gold nor rejected: "
                    "the annotators-vs-gold scores will count them as the annotators' errors. "
                    "Mark adjudicated anyway?"
                )
        return record_gold_status(db, user.name, document_id, status)


def _labels_of(spans: Sequence[Span]) -> list[str]:
    return sorted({s.label for s in spans})


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _annotator_span(db, user: User, document_id: int, span_id: str) -> Span:
    if user.role != "lead":
        raise AppError("only leads adjudicate", 403)
    span = readable_span(db, user, span_id)
    if span.document_id != document_id or span.annotator == GOLD:
        raise AppError(f"annotator span {span_id} not found on document {document_id}", 404)
    return span


def accept_span(
    db, scheme: LabelScheme, user: User, document_id: int, span_id: str
) -> tuple[Span, bool]:
    """Copy an annotator's span (label, offsets, attributes, note) into gold; (gold span, new)."""
    with store.write_transaction(db):
        source = _annotator_span(db, user, document_id, span_id)
        existing = [g for g in list_spans(db, document_id, GOLD) if _same(g, source)]
        if existing:
            return existing[0], False
        _gold_started(db, user, document_id)
        gold, _ = create_span(
            db,
            scheme,
            user,
            document_id,
            SpanInput(
                source.label,
                token_start=source.token_start,
                token_end=source.token_end,
                attributes=source.attributes,
                note=source.note,
            ),
        )
        record_event(
            db,
            user.name,
            "accept",
            "span",
            source.id,
            None,
            {"gold": gold.id, "annotator": source.annotator},
            document_id,
        )
    return gold, True


def reject_span(db, user: User, document_id: int, span_id: str) -> Span:
    """Record the decision to keep an annotator's span out of gold (gold stays unchanged)."""
    with store.write_transaction(db):
        source = _annotator_span(db, user, document_id, span_id)
        _gold_started(db, user, document_id)
        record_event(
            db,
            user.name,
            "reject",
            "span",
            source.id,
            None,
            {"annotator": source.annotator, "label": source.label},
            document_id,
        )
    return source


def draw_gold_span(
    db,
    scheme: LabelScheme,
    user: User,
    document_id: int,
    label: str,
    token_start,
    token_end,
    extent: ExtentCheck = CHOSEN_EXTENT,
) -> Span:
    """A gold span drawn by the lead directly on the text, under the annotation page's guard
    (`extent`: the review page asks before an overshooting span, as that page does)."""
    if user.role != "lead":
        raise AppError("only leads adjudicate", 403)
    with store.write_transaction(db):
        _gold_started(db, user, document_id)
        span, _ = create_span(
            db,
            scheme,
            user,
            document_id,
            SpanInput(label, token_start=token_start, token_end=token_end),
            extent=extent,
        )
    return span


def accept_all_identical(db, scheme: LabelScheme, user: User, document_id: int) -> list[Span]:
    """Accept, in one transaction, every span all done annotators marked identically."""
    with store.write_transaction(db):
        done = done_annotators(db, document_id)
        layers = {name: list_spans(db, document_id, name) for name in done}
        gold = list_spans(db, document_id, GOLD)
        accepted = []
        for span in identical_spans(classify_spans(layers, done, gold), done):
            gold_span, created = accept_span(db, scheme, user, document_id, span.id)
            if created:
                accepted.append(gold_span)
    return accepted
