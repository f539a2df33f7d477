"""The messages of the lower layers (AppError, NeedsConfirmation, undo) in the interface
language, translated where the web layer shows them in a page, a fragment or the flash.

Services and core code raise their messages in English and import no flask (tests/test_layers.py);
the JSON API keeps them English (its contract). Here each known message is matched whole and
rebuilt from its German (or English) template, so a message nobody listed stays English rather
than half translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext


def _spans(count: str) -> str:
    return ngettext("%(num)d span", "%(num)d spans", int(count))


def _hidden_item(match: re.Match) -> str:
    return _(
        "document %(id)s (%(name)s) from %(annotator)s (%(spans)s)",
        id=match["id"],
        name=match["name"],
        annotator=match["annotator"],
        spans=_spans(match["count"]),
    )


_HIDDEN_ITEM = re.compile(
    r"document (?P<id>\d+) \((?P<name>.*?)\) from (?P<annotator>\S+) \((?P<count>\d+) spans?\)"
)


def _hides_work(m: re.Match) -> str:
    shown = _HIDDEN_ITEM.sub(_hidden_item, m["shown"])
    more = m["more"]
    if more:
        shown += "; " + _("and %(num)d more", num=int(more))
    return _(
        "This hides finished work from its annotators: %(shown)s. Their spans stay stored, "
        "but the documents leave their queues.",
        shown=shown,
    )


def _long_span(m: re.Match) -> str:
    reasons = []
    for part in m["reasons"].split(" and "):
        paragraphs = re.fullmatch(r"it runs over (\d+) paragraphs", part)
        tokens = re.fullmatch(r"it is (\d+) tokens long \(the limit is (\d+)\)", part)
        if paragraphs:
            reasons.append(_("it runs over %(num)s paragraphs", num=paragraphs[1]))
        elif tokens:
            reasons.append(
                _(
                    "it is %(num)s tokens long (the limit is %(limit)s)",
                    num=tokens[1],
                    limit=tokens[2],
                )
            )
        else:
            reasons.append(part)
    joined = (" " + _("and") + " ").join(reasons)
    return _("This span is unusually long: %(reasons)s. Make it anyway?", reasons=joined)


# (pattern matched against the whole message, its translation from the match)
_KNOWN: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(p), f)
    for p, f in [
        (r"nothing to undo", lambda m: _("nothing to undo")),
        (r"creation undone", lambda m: _("creation undone")),
        (r"deletion undone", lambda m: _("deletion undone")),
        (r"change undone", lambda m: _("change undone")),
        (r"the record to restore is gone", lambda m: _("the record to restore is gone")),
        (r"document (?P<id>\d+) not found", lambda m: _("document %(id)s not found", id=m["id"])),
        (r"span (?P<id>\S+) not found", lambda m: _("span %(id)s not found", id=m["id"])),
        (r"gold span (?P<id>\S+) not found", lambda m: _("gold span %(id)s not found", id=m["id"])),
        (
            r"span (?P<id>\S+) was changed elsewhere; reload it",
            lambda m: _("span %(id)s was changed elsewhere; reload it", id=m["id"]),
        ),
        (r"leads change only the gold layer", lambda m: _("leads change only the gold layer")),
        (
            r"only annotators have a document status",
            lambda m: _("only annotators have a document status"),
        ),
        (
            r"annotators see only their own spans",
            lambda m: _("annotators see only their own spans"),
        ),
        (
            r"a span of punctuation only \((?P<text>.*)\) is not made: select words",
            lambda m: _(
                "a span of punctuation only (%(text)s) is not made: select words", text=m["text"]
            ),
        ),
        (r"This span is unusually long: (?P<reasons>.*)\. Make it anyway\?", _long_span),
        (
            r"This hides finished work from its annotators: (?P<shown>.*?)(?:; and (?P<more>\d+) "
            r"more)?\. Their spans stay stored, but the documents leave their queues\.",
            _hides_work,
        ),
        (r"there are no annotators to assign", lambda m: _("there are no annotators to assign")),
        (
            r"annotators per document must be from 1 to (?P<n>\d+)",
            lambda m: _("annotators per document must be from 1 to %(num)s", num=m["n"]),
        ),
        (
            r"choose at least one annotator, or everyone",
            lambda m: _("choose at least one annotator, or everyone"),
        ),
        (r"only leads may do this", lambda m: _("only leads may do this")),
        (
            r"log in first \(session cookie or Bearer token\)",
            lambda m: _("log in first (session cookie or Bearer token)"),
        ),
        (r"leads answer on the review page", lambda m: _("leads answer on the review page")),
        (r"leads resolve on the review page", lambda m: _("leads resolve on the review page")),
        (r"the request body is too large", lambda m: _("the request body is too large")),
        (
            r"internal error; the change was not saved",
            lambda m: _("internal error; the change was not saved"),
        ),
        # Werkzeug's descriptions of the common HTTP errors (a URL no route has, a wrong method).
        (
            r"The requested URL was not found on the server\. If you entered the URL manually "
            r"please check your spelling and try again\.",
            lambda m: _("This page does not exist. If you typed the address, check its spelling."),
        ),
        (
            r"The method is not allowed for the requested URL\.",
            lambda m: _("The method is not allowed for the requested URL."),
        ),
    ]
]


def shown_message(message: str) -> str:
    """`message` in the interface language when it is one we know, else as it is."""
    for pattern, translate in _KNOWN:
        match = pattern.fullmatch(message)
        if match:
            return translate(match)
    return message
