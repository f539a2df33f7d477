"""Turning a text, its stored tokens and spans into the HTML of the annotation view (pure, fast).

Every token becomes `<span data-i="I">` so the browser sends token indices, never offsets counted
in UTF-16 units (DESIGN section 3). Runs of tokens covered by the same set of labels share one
`<mark class="l0 l2">`; the CSS gives each label its own underline slot, so overlapping and nested
spans of different labels all stay visible. The text block is built here in Python rather than
with one Jinja loop iteration per token, which is what keeps a 50,000-character page fast.
The text is cut into blocks of whole sentences so that an action re-sends only the blocks it
changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from markupsafe import Markup

from annotator.core.cache import RecentCache

UNDERLINE_STEP = 4  # px between the stacked underlines of different labels
UNDERLINE_HEIGHT = 3  # px


@dataclass(frozen=True, slots=True)
class SpanRange:
    """What the renderer needs of a span: its label and inclusive token range."""

    label: str
    token_start: int
    token_end: int


@dataclass(frozen=True, slots=True)
class SuggestionRange:
    """What the renderer needs of a suggestion: id, label, inclusive tokens and score."""

    id: int
    label: str
    token_start: int
    token_end: int
    score: float | None


def token_pieces(text: str, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The escaped HTML pieces: token i at 2*i, the text between token i and i+1 at 2*i+1."""
    n = len(starts)
    if n == 0:
        return [escape(text, quote=False)] if text else []
    starts_l = starts.tolist()
    ends_l = ends.tolist()
    pieces = [""] * (2 * n)
    for i in range(n):
        piece = escape(text[starts_l[i] : ends_l[i]], quote=False)
        pieces[2 * i] = f'<span data-i="{i}">{piece}</span>'
        stop = starts_l[i + 1] if i + 1 < n else len(text)
        if stop > ends_l[i]:
            pieces[2 * i + 1] = escape(text[ends_l[i] : stop], quote=False)
    if starts_l[0] > 0:  # spaCy starts at 0; kept for tokens from elsewhere
        pieces[0] = escape(text[: starts_l[0]], quote=False) + pieces[0]
    return pieces


@dataclass(frozen=True, slots=True)
class TextLayout:
    """A document cut for rendering: its HTML pieces and the first token of each block.

    Blocks are runs of whole sentences (at least `MIN_BLOCK_TOKENS` tokens). An action answers
    with the blocks its spans touch instead of the whole text: a few kilobytes, not hundreds.
    """

    pieces: list[str]
    block_starts: np.ndarray  # token index where each block begins; the first is 0

    @property
    def n_tokens(self) -> int:
        """The number of tokens."""
        return len(self.pieces) // 2


MIN_BLOCK_TOKENS = 40


def text_layout(
    text: str, starts: np.ndarray, ends: np.ndarray, sentences: np.ndarray
) -> TextLayout:
    """Pieces and blocks of one document."""
    n = len(starts)
    block_starts = [0] if n else []
    for first in sentences.tolist():
        if 0 < first < n and first - block_starts[-1] >= MIN_BLOCK_TOKENS:
            block_starts.append(first)
    return TextLayout(token_pieces(text, starts, ends), np.asarray(block_starts, dtype=np.int64))


_LAYOUTS: RecentCache[TextLayout] = RecentCache(64)


def cached_text_layout(
    key: tuple, text: str, starts: np.ndarray, ends: np.ndarray, sentences: np.ndarray
) -> TextLayout:
    """text_layout, kept for the most recent documents (a stored text never changes)."""
    return _LAYOUTS.get_or_make(key, lambda: text_layout(text, starts, ends, sentences))


def cached_token_pieces(key: tuple, text: str, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The cached pieces alone (one block), for views that never update part of the text."""
    hit = _LAYOUTS.get(key)
    return hit.pieces if hit is not None else token_pieces(text, starts, ends)


def label_masks(
    n_tokens: int, spans: Sequence[SpanRange], label_order: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per token and per gap (between token i and i+1) the bit set of the labels covering it.

    A gap counts as covered only when one span holds both its neighbours, so two adjacent spans
    of the same label show a break between them instead of melting into one.
    """
    bit = {key: 1 << k for k, key in enumerate(label_order)}
    tokens = np.zeros(n_tokens, dtype=np.int64)
    gaps = np.zeros(n_tokens, dtype=np.int64)
    for key, b in bit.items():
        own = [s for s in spans if s.label == key]
        if not own:
            continue
        cover = np.zeros(n_tokens + 1, dtype=np.int32)
        gap_cover = np.zeros(n_tokens + 1, dtype=np.int32)
        ts = np.fromiter((s.token_start for s in own), dtype=np.int64, count=len(own))
        te = np.fromiter((s.token_end for s in own), dtype=np.int64, count=len(own))
        np.add.at(cover, ts, 1)
        np.add.at(cover, te + 1, -1)
        np.add.at(gap_cover, ts, 1)
        np.add.at(gap_cover, te, -1)
        tokens |= np.where(np.cumsum(cover[:-1]) > 0, b, 0)
        gaps |= np.where(np.cumsum(gap_cover[:-1]) > 0, b, 0)
    return tokens, gaps


def blocks_touching(layout: TextLayout, ranges: Iterable[tuple[int, int]]) -> list[int]:
    """The blocks holding any token of the inclusive token ranges, in order."""
    found: set[int] = set()
    for first, last in ranges:
        a = int(np.searchsorted(layout.block_starts, first, side="right")) - 1
        b = int(np.searchsorted(layout.block_starts, last, side="right")) - 1
        found.update(range(max(a, 0), b + 1))
    return sorted(found)


def render_text(
    layout: TextLayout | list[str],
    spans: Sequence[SpanRange],
    label_order: Sequence[str],
    label_names: Sequence[str],
) -> Markup:
    """The inner HTML of the text region: every block, tokens grouped into label marks."""
    if isinstance(layout, list):  # bare pieces: the whole text as one block
        layout = TextLayout(layout, np.zeros(1 if layout else 0, dtype=np.int64))
    blocks = range(len(layout.block_starts))
    return Markup("".join(render_blocks(layout, spans, label_order, label_names, blocks)))


def render_blocks(
    layout: TextLayout,
    spans: Sequence[SpanRange],
    label_order: Sequence[str],
    label_names: Sequence[str],
    blocks: Iterable[int],
    *,
    oob: bool = False,
    suggestions: Sequence[SuggestionRange] = (),
) -> list[Markup]:
    """The HTML of the given blocks (`oob`: marked for an htmx out-of-band swap).

    `suggestions` are drawn as dashed outlines: each token of one carries `data-sg` (its id)
    and the class of its label's colour; where two overlap, the earlier one owns the tokens.
    No element is added: the text's <span> elements stay exactly its tokens.
    """
    n = layout.n_tokens
    if n == 0:
        return [Markup("".join(layout.pieces))]
    token_mask, gap_mask = label_masks(n, spans, label_order)
    masks = np.empty(2 * n, dtype=np.int64)
    masks[0::2] = token_mask
    masks[1::2] = gap_mask
    index = {key: k for k, key in enumerate(label_order)}
    # Mark where spans begin (first label wins) so adjacent spans stay visibly apart.
    begins: dict[int, int] = {}
    for s in spans:
        k = index[s.label]
        if begins.get(s.token_start, k + 1) > k:
            begins[s.token_start] = k
    tags: dict[int, str] = {}
    bounds = layout.block_starts.tolist() + [n]
    swap = ' hx-swap-oob="true"' if oob else ""
    base = outlined_pieces(layout, suggestions, index) if suggestions else layout.pieces
    out = []
    for b in blocks:
        first, stop = 2 * bounds[b], 2 * bounds[b + 1]
        pieces = base[first:stop]
        for i in range(bounds[b], bounds[b + 1]):
            k = begins.get(i)
            if k is not None:
                piece = pieces[2 * (i - bounds[b])]
                if 'class="' in piece:  # outlined by a suggestion: one class attribute
                    piece = piece.replace('class="', f'class="b{k} ', 1)
                else:
                    piece = piece.replace("<span ", f'<span class="b{k}" ', 1)
                pieces[2 * (i - bounds[b])] = piece
        inner = _marked(pieces, masks[first:stop], tags, label_names)
        out.append(Markup(f'<div class="blk" id="blk{b}"{swap}>{inner}</div>'))
    return out


def _suggestion_owners(n: int, suggestions: Sequence[SuggestionRange]) -> np.ndarray:
    """Per token the index of the suggestion drawn there (-1: none); earlier ones win."""
    owner = np.full(n, -1, dtype=np.int64)
    for j, s in enumerate(suggestions):
        if 0 <= s.token_start <= s.token_end < n:
            part = owner[s.token_start : s.token_end + 1]
            part[part < 0] = j
    return owner


_OUTLINED: RecentCache[tuple] = RecentCache(16)


def outlined_pieces(
    layout: TextLayout, suggestions: Sequence[SuggestionRange], index: dict[str, int]
) -> list[str]:
    """The layout's pieces with the suggestions' outlines, kept for the recent suggestion sets
    of recent layouts: a page shown again with the same suggestions costs no more than without."""
    key = (
        id(layout),
        tuple((s.id, s.label, s.token_start, s.token_end, s.score) for s in suggestions),
    )
    made, pieces = _OUTLINED.get_or_make(
        key, lambda: (layout, _outline(layout.pieces, suggestions, index))
    )
    # the key holds id(layout): a layout made after the cached one died may reuse its id
    return pieces if made is layout else _outline(layout.pieces, suggestions, index)


def _outline(
    source: list[str], suggestions: Sequence[SuggestionRange], index: dict[str, int]
) -> list[str]:
    """A copy of the pieces with every token of a suggestion marked. The gaps between tokens
    stay bare text: text_page.js counts the text's <span> elements as its tokens."""
    pieces = list(source)
    n = len(pieces) // 2
    owner = _suggestion_owners(n, suggestions).tolist()
    mid, head = [], []
    for s in suggestions:
        colour = f"sg s{index[s.label]}"
        score = "" if s.score is None else f"{s.score:g}"
        mid.append(f'<span data-sg="{s.id}" class="{colour}')
        head.append(
            f'<span data-sg="{s.id}" data-sl="{escape(s.label)}" data-sc="{score}" '
            f'class="{colour} ss'
        )
    previous = -1
    for t, j in enumerate(owner):
        if j < 0:
            previous = j
            continue
        last = t + 1 >= n or owner[t + 1] != j
        tag = head[j] if previous != j else mid[j]
        if last:
            tag += " se"
        piece = pieces[2 * t]
        pieces[2 * t] = f'{tag}" {piece[6:]}'
        previous = j
    return pieces


def suggestion_css(colours: Sequence[str]) -> str:
    """CSS of the suggestion outlines: dashed, in the label's colour, apart from own spans."""
    rules = "".join(
        f"#text .s{k}{{--sc:{colour}}}#text .s{k}.sgf{{background-color:{colour}38}}"
        for k, colour in enumerate(colours)
    )
    return (
        "#text .sg{border-top:1.5px dashed var(--sc);border-bottom:1.5px dashed var(--sc);"
        "border-radius:0}"
        "#text .ss{border-left:1.5px dashed var(--sc);padding-left:1px}"
        "#text .se{border-right:1.5px dashed var(--sc);padding-right:1px}"
        # the box of a token reaches over the space after it, so the outline runs on
        "#text .sg:not(.se){padding-right:.28em;margin-right:-.28em}"
        "#text .sg.sgh{border-color:transparent}"
        # focused: solid, on the sides the outline has (border-style alone would add
        # 3px black left and right borders to every token)
        "#text .sg.sgf{border-top-style:solid;border-bottom-style:solid}"
        "#text .ss.sgf{border-left-style:solid}#text .se.sgf{border-right-style:solid}" + rules
    )


def _marked(pieces: list[str], masks: np.ndarray, tags: dict[int, str], names) -> str:
    """Pieces joined, each run of one label set wrapped in its <mark>."""
    cuts = np.flatnonzero(np.diff(masks)) + 1
    bounds = [0, *cuts.tolist(), len(pieces)]
    out: list[str] = []
    for run, mask in enumerate(masks[bounds[:-1]].tolist()):
        chunk = "".join(pieces[bounds[run] : bounds[run + 1]])
        if not mask:
            out.append(chunk)
            continue
        tag = tags.get(mask)
        if tag is None:
            ks = [k for k in range(len(names)) if mask >> k & 1]
            classes = " ".join(f"l{k}" for k in ks)
            title = escape(" + ".join(names[k] for k in ks))
            tag = tags[mask] = f'<mark class="{classes}" title="{title}">'
        out.append(f"{tag}{chunk}</mark>")
    return "".join(out)


def label_css(colours: Sequence[str]) -> str:
    """CSS giving label k (scheme order) a tint and its own underline slot, linear in labels."""
    k_count = len(colours)
    pad = k_count * UNDERLINE_STEP
    layers, positions, sizes, rules = [], [], [], []
    for k, colour in enumerate(colours):
        layers.append(f"linear-gradient(var(--u{k}),var(--u{k}))")
        positions.append(f"0 calc(100% - {k * UNDERLINE_STEP}px)")
        sizes.append(f"100% {UNDERLINE_HEIGHT}px")
        rules.append(
            f".l{k}{{--u{k}:{colour};--t{k}:{colour}24}}"
            f".b{k}{{box-shadow:inset 2px 0 0 {colour}}}"
            f".chip{k}{{background:{colour}}}"
        )
    for k in range(k_count):
        layers.append(f"linear-gradient(var(--t{k}),var(--t{k}))")
        positions.append("0 0")
        sizes.append(f"100% calc(100% - {pad}px)")
    defaults = "".join(f"--u{k}:transparent;--t{k}:transparent;" for k in range(k_count))
    # Defaults on the container (inherited), so that `.lK` on a mark wins without specificity.
    mark = (
        f"#text{{{defaults}}}#text mark{{color:inherit;background-color:transparent;"
        f"padding-bottom:{pad}px;background-repeat:no-repeat;"
        f"background-image:{','.join(layers)};background-position:{','.join(positions)};"
        f"background-size:{','.join(sizes)};"
        "-webkit-box-decoration-break:clone;box-decoration-break:clone}"
    )
    return mark + "".join(rules)


def excerpt(text: str, start: int, end: int, limit: int = 90) -> str:
    """The span's text on one line; a long one is shortened in the middle at word boundaries."""
    body = " ".join(text[start:end].split())
    if len(body) <= limit:
        return body
    head = _leading_words(body, (limit - 3) // 2)
    # Room the head left unused goes to the tail, so the excerpt stays as close to the limit.
    tail = _leading_words(body[::-1], limit - 3 - len(head))[::-1]
    return f"{head} … {tail}"


def _leading_words(body: str, room: int) -> str:
    """The longest run of whole words at the start of `body` within `room` characters.

    A first word longer than `room` is cut (nothing else would fit); `body` has single spaces.
    """
    if room <= 0:
        return ""
    if len(body) <= room or body[room] == " ":
        return body[:room]
    cut = body[:room].rpartition(" ")[0]
    return cut or body[:room]
