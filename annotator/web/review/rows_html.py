"""One span cell of the disagreement view as HTML, written in Python rather than Jinja: a long
document has thousands of cells, and the template's per-expression cost made the view slow
(issue 18: 5 annotators x 800 spans). Same markup as the template wrote before."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import url_for
from markupsafe import Markup, escape

from annotator.core.labels import LabelScheme
from annotator.services.adjudication import ClassifiedSpan, Region

SYMBOLS = {
    "agree": "✓",
    "boundary": "↔",
    "label": "≠",
    "missing": "∅",
    "unpaired": "·",
    "gold": "★",
    "hidden": "⊘",
}
RELATION_NAMES = {
    "same": "the same",
    "boundary": "other boundaries",
    "label": "another label",
    "missing": "nothing there",
}
_PLACEHOLDER = "SPANIDPLACEHOLDER"


class SpanCells:
    """Renders span cells for one document; the URLs are built once, not per span."""

    def __init__(
        self,
        document_id: int,
        scheme: LabelScheme,
        kind_names: dict[str, str],
        decisions: dict[str, str],
        excerpt: Callable[[int, int], str],
    ) -> None:
        self.urls = {
            name: str(escape(url_for(endpoint, document_id=document_id, **{arg: _PLACEHOLDER})))
            for name, endpoint, arg in (
                ("edit", "adjudication.editor", "span"),
                ("accept", "adjudication.accept", "span_id"),
                ("reject", "adjudication.reject", "span_id"),
            )
        }
        self.colour = {label.key: str(escape(label.colour)) for label in scheme.labels}
        self.names = {label.key: str(escape(label.name)) for label in scheme.labels}
        self.index = scheme.index
        self.kind_names = kind_names
        self.decisions = decisions
        self.excerpt = excerpt

    def url(self, name: str, span_id: str) -> str:
        return self.urls[name].replace(_PLACEHOLDER, str(escape(quote(span_id, safe=""))))

    def __call__(self, c: ClassifiedSpan, layer: str, region: Region) -> Markup:
        """The cell of span `c` in column `layer` of `region`."""
        s = c.span
        sid = str(escape(s.id))
        kind = str(escape(c.kind))
        rejected = self.decisions.get(s.id) == "reject"
        partners = region.hidden_partners.get(s.id, [])
        classes = f"span-cell kind-{kind}"
        if c.in_gold and layer != "gold":
            classes += " in-gold"
        if rejected:
            classes += " rejected"
        title = [str(escape(self.kind_names.get(c.kind, "gold")))]
        for other, rel in c.relations.items():
            hidden = " (hidden by the label filter)" if other in partners else ""
            title.append(f"; {escape(other)}: {RELATION_NAMES[rel]}{hidden}")
        width = region.token_end - region.token_start + 1
        x = 160 * (s.token_start - region.token_start) / width
        w = 160 * (s.token_end - s.token_start + 1) / width
        out = [
            f'<div class="{classes}" data-span="{sid}" data-kind="{kind}"\n'
            f'     title="{"".join(title)}">\n'
            '          <svg class="track" viewBox="0 0 160 8" width="160" height="8" '
            'aria-hidden="true"><rect width="160" height="8" fill="#ebe9e3"/>'
            f'<rect x="{x:.1f}" width="{w:.1f}" height="8" fill="{self.colour[s.label]}"/></svg>\n'
            f'          <div class="span-line"><span class="kind-icon" aria-label="{kind}">'
            f"{SYMBOLS[c.kind]}</span>\n"
            f'            <span class="chip chip{self.index[s.label]}"></span>'
            f'<b class="label-name">{self.names[s.label]}</b>\n'
            f'            <span class="muted small">{s.token_start}–{s.token_end}</span></div>\n'
        ]
        if s.token_start != region.token_start or s.token_end != region.token_end:
            out.append(f'          <q class="small">{escape(self.excerpt(s.start, s.end))}</q>\n')
        if partners:
            out.append(
                '          <div class="small muted hidden-note">the other label '
                f"({escape(', '.join(partners))}) is hidden by the label filter</div>\n"
            )
        if s.attributes:
            attrs = "".join(
                f'<span class="attr">{escape(k)}: {escape(v)}</span>'
                for k, v in s.attributes.items()
            )
            out.append(f'          <div class="attrs">{attrs}</div>\n')
        out.append('          <div class="cell-actions">\n')
        if layer == "gold":
            out.append(
                f'            <button type="button" class="small" hx-get="{self.url("edit", s.id)}"'
                ' hx-target="#editor" hx-swap="outerHTML">Edit</button>\n'
            )
        elif c.in_gold:
            out.append('            <span class="small ok">✓ in gold</span>\n')
        else:
            out.append(
                '            <button type="button" class="small accept" '
                f'hx-post="{self.url("accept", s.id)}" hx-swap="none">Accept</button>\n'
            )
            if rejected:
                out.append('            <span class="small muted">rejected</span>\n')
            else:
                out.append(
                    '            <button type="button" class="small reject" '
                    f'hx-post="{self.url("reject", s.id)}" hx-swap="none">Reject</button>\n'
                )
        out.append("          </div>\n        </div>\n")
        return Markup("".join(out))
