"""The interface's words for the vocabularies of the lower layers (statuses, the disagreement
kinds, the feedback classes), in the request's language.

Services and pure code keep their English words (they import no flask); the web layer translates
them here, where they are shown. Each function builds its dict per call because the language is
the request's.
"""

from __future__ import annotations

from flask_babel import gettext as _

from annotator.web.html.charts import format_value


def status_names() -> dict[str, str]:
    """An annotator's status on a document (store.statuses), in words."""
    return {
        "new": _("new"),
        "in_progress": _("in progress"),
        "done": _("done"),
        "unassigned": _("not assigned"),
    }


def status_name(status: str) -> str:
    """One status in words (the status itself when it has none)."""
    return status_names().get(status, status.replace("_", " "))


def gold_status_name(status: str) -> str:
    """A document's gold status in words."""
    words = {
        "not_started": _("not started"),
        "new": _("new"),
        "in_progress": _("in progress"),
        "adjudicated": _("adjudicated"),
    }
    return words.get(status, status.replace("_", " "))


def kind_names() -> dict[str, str]:
    """How a span relates to the other done layers (services.adjudication.KIND_NAMES)."""
    return {
        "agree": _("marked identically by every done annotator"),
        "boundary": _("same label, different boundaries"),
        "label": _("same text, different label"),
        "missing": _("missing in some annotator's layer"),
        "unpaired": _("no other done annotator to compare with"),
        "gold": _("gold"),
    }


def relation_names() -> dict[str, str]:
    """What another annotator has at a span's place."""
    return {
        "same": _("the same"),
        "boundary": _("other boundaries"),
        "label": _("another label"),
        "missing": _("nothing there"),
    }


def feedback_names() -> dict[str, str]:
    """The feedback view's legend (agreement.span_relations.FEEDBACK_NAMES)."""
    return {
        "matched": _("matched: gold has the same label and tokens"),
        "boundary": _("boundary differs: gold has this label with other boundaries"),
        "label": _("label differs: gold marks this text with another label"),
        "extra": _("extra: gold has nothing here"),
        "missed": _("missed: gold marks this and you have nothing there"),
    }


def feedback_badges() -> dict[str, str]:
    """The feedback classes as one-word badges."""
    return {
        "matched": _("matched"),
        "boundary": _("boundary"),
        "label": _("label"),
        "extra": _("extra"),
        "missed": _("missed"),
    }


def format_figure(value: float | None, digits: int = 2) -> str:
    """A figure with fixed decimals, or "n/a" in the interface language."""
    return _("n/a") if value is None else format_value(value, digits)


def script_words() -> dict[str, str]:
    """The messages the page's scripts show, keyed by their English (base.html puts them in a
    meta tag as JSON; app.js's `window.word` looks them up, English when a key is missing)."""
    english = [
        _("The server refused this (%(status)s); nothing was changed."),
        _("Go ahead?"),
        _("Nothing was changed."),
        _("No answer from the server: nothing was saved."),
        _(
            "Nothing is selected, so nothing was changed. Select text first; to change this "
            "span's label, use the Label field."
        ),
        _("Select some text first, then press a label key."),
        _("Open a span and select its new extent, then press b."),
        _("Select the words of the gold span in the text first."),
        _("What you typed before the page went away is saved now."),
    ]
    keys = [
        "The server refused this (%(status)s); nothing was changed.",
        "Go ahead?",
        "Nothing was changed.",
        "No answer from the server: nothing was saved.",
        "Nothing is selected, so nothing was changed. Select text first; to change this span's "
        "label, use the Label field.",
        "Select some text first, then press a label key.",
        "Open a span and select its new extent, then press b.",
        "Select the words of the gold span in the text first.",
        "What you typed before the page went away is saved now.",
    ]
    return dict(zip(keys, english, strict=True))
