"""Guideline versions: the database remembers the label scheme it works under, refuses changed
labels without a new version, and reopens work done under an older version in one action."""

from __future__ import annotations

from annotator import store
from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme, check_labels_in_use, check_scheme_version
from annotator.core.records import User
from annotator.services.annotations import record_status
from annotator.store.scheme_versions import (
    current_scheme_version,
    outdated_done,
    record_scheme,
    recorded_scheme,
)
from annotator.store.spans import labels_in_use


def adopt_scheme(db, scheme: LabelScheme) -> bool:
    """Check `scheme` against the database (labels in use, version) and record it if new.

    LabelSchemeError naming the file when a stored label is missing, when the labels changed
    without a new version, or when the version is older than the database's; whether it was new.
    """
    with store.write_transaction(db):
        check_labels_in_use(scheme, labels_in_use(db))
        new = check_scheme_version(scheme, recorded_scheme(db))
        if new:
            record_scheme(db, scheme.version, scheme.fingerprint())
    return new


def outdated_layers(db) -> list[tuple[int, str]]:
    """(document_id, annotator) of done layers made under an older scheme version."""
    return outdated_done(db, current_scheme_version(db))


def reopen_outdated(db, user: User) -> list[tuple[int, str]]:
    """Set every done layer of an older scheme version back to in_progress (one transaction)."""
    if user.role != "lead":
        raise AppError("only leads reopen documents", 403)
    with store.write_transaction(db):
        layers = outdated_layers(db)
        for document_id, annotator in layers:
            record_status(db, user.name, document_id, annotator, "in_progress")
    return layers
