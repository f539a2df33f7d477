"""The files that travel with the package: the label scheme, the export schema, the demo corpus.

They live at the top of the checkout (`schema/`, `corpus/`, where the user asked for them); the
wheel carries copies under `annotator/_data/` (hatchling's force-include). A checkout or an
editable install has no `_data`, so the top-level folders are used there.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_path(*parts: str) -> Path:
    """The path of a packaged data file or folder, e.g. `data_path("schema", "labels.toml")`."""
    packaged = Path(str(resources.files("annotator"))) / "_data"
    root = packaged if packaged.is_dir() else Path(__file__).resolve().parents[2]
    return root.joinpath(*parts)
