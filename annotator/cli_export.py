"""`annotator export`: training data out of the database (registered on the main group)."""

from __future__ import annotations
