"""The label scheme (DESIGN section 4): loading, validation, attribute checks."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from annotator.core.resources import data_path

DEFAULT_LABELS_PATH = data_path("schema", "labels.toml")


class LabelSchemeError(ValueError):
    """An invalid label scheme; the message names the file and field."""


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    type: str  # "text" | "choice"
    choices: tuple[str, ...] = ()
    description: str = ""
    max_length: int = 200
    description_de: str = ""  # the description in the German interface (`description` where empty)
    # (choice, shown name) pairs, in the interface in English and in German; a choice without
    # one shows as itself
    choice_names: tuple[tuple[str, str], ...] = ()
    choice_names_de: tuple[tuple[str, str], ...] = ()
    title: str = ""  # the attribute's name as the interface shows it (`name` where empty)
    title_de: str = ""  # ... in the German interface (`title` where empty)

    @property
    def shown_name(self) -> str:
        """The attribute's name as the interface shows it."""
        return self.title or self.name

    def choice_name(self, value: str) -> str:
        """How the interface shows the choice `value` (itself where it has no name)."""
        for choice, shown in self.choice_names:
            if choice == value:
                return shown
        return value


@dataclass(frozen=True, slots=True)
class Label:
    key: str
    name: str
    colour: str
    hotkey: str
    description_de: str
    description_en: str
    attributes: tuple[Attribute, ...] = ()
    name_de: str = ""  # the name in the German interface (`name` where empty)

    def attribute(self, name: str) -> Attribute | None:
        """The attribute called `name`, if the label has one."""
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True, slots=True)
class LabelScheme:
    labels: tuple[Label, ...]
    path: str = ""
    version: int = 1  # the guideline version: bumped whenever the labels change
    by_key: dict[str, Label] = field(default_factory=dict, compare=False)
    translations: dict[str, LabelScheme] = field(default_factory=dict, compare=False, repr=False)
    original: LabelScheme | None = field(default=None, compare=False, repr=False)  # localized's

    def __post_init__(self):
        self.by_key.update({label.key: label for label in self.labels})

    def localized(self, language: str) -> LabelScheme:
        """The scheme as the interface in `language` shows it: in German each label's `name` is
        its `name_de`, each attribute's `description` its `description_de` and each choice's
        shown name its `choice_names_de` entry, where they have one. Keys, guidelines and choices
        stay, and so does the fingerprint's content (a display translation is not a new
        guideline)."""
        base = self.original or self
        if language != "de" or not any(
            label.name_de
            or any(a.description_de or a.choice_names_de or a.title_de for a in label.attributes)
            for label in base.labels
        ):
            return base
        cached = base.translations.get(language)
        if cached is None:
            cached = LabelScheme(
                tuple(
                    replace(
                        label,
                        name=label.name_de or label.name,
                        attributes=tuple(
                            replace(
                                a,
                                title=a.title_de or a.title,
                                description=a.description_de or a.description,
                                choice_names=tuple(
                                    {**dict(a.choice_names), **dict(a.choice_names_de)}.items()
                                ),
                            )
                            for a in label.attributes
                        ),
                    )
                    for label in base.labels
                ),
                base.path,
                base.version,
                original=base,
            )
            base.translations[language] = cached
        return cached

    def _attribute(self, label_key: str, name: str) -> Attribute | None:
        label = self.by_key.get(label_key)
        return label.attribute(name) if label is not None else None

    def attribute_text(self, label_key: str, name: str, value: object) -> str:
        """How the interface shows a span's attribute value: a choice by its shown name, any
        other value (text, a choice a later scheme dropped) as it is."""
        attribute = self._attribute(label_key, name)
        if attribute is None or attribute.type != "choice" or not isinstance(value, str):
            return str(value)
        return attribute.choice_name(value)

    def attribute_title(self, label_key: str, name: str) -> str:
        """How the interface names a span's attribute (`name` itself where the scheme gives no
        title, or no longer has the attribute)."""
        attribute = self._attribute(label_key, name)
        return attribute.shown_name if attribute is not None else name

    def keys(self) -> list[str]:
        """The label keys in scheme order."""
        return [label.key for label in self.labels]

    @property
    def index(self) -> dict[str, int]:
        """label key -> its position in the scheme (the CSS classes l0, l1, ... of the pages)."""
        return {label.key: k for k, label in enumerate(self.labels)}

    def fingerprint(self) -> str:
        """The labels' guideline content (keys, names, descriptions, attributes) as canonical JSON.

        Colours, hotkeys and the display texts (`name_de`, an attribute's `description_de`,
        `title` and `title_de`, the choices' shown names) are left out: they change how the
        page looks, not what annotators are asked to mark. A localized scheme gives its
        original's.
        """
        content = [
            {
                "key": label.key,
                "name": label.name,
                "description_de": label.description_de,
                "description_en": label.description_en,
                "attributes": [
                    [a.name, a.type, list(a.choices), a.description, a.max_length]
                    for a in label.attributes
                ],
            }
            for label in (self.original or self).labels
        ]
        return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def get(self, key: str) -> Label | None:
        """The label with this key, if any."""
        return self.by_key.get(key)

    def validate_attributes(self, key: str, attributes: Any) -> dict[str, Any]:
        """The attributes cleaned for label `key`; ValueError naming the bad field."""
        label = self.by_key[key]
        if attributes is None:
            return {}
        if not isinstance(attributes, dict):
            raise ValueError("attributes must be an object")
        clean: dict[str, Any] = {}
        for name, value in attributes.items():
            attribute = label.attribute(name)
            if attribute is None:
                allowed = ", ".join(a.name for a in label.attributes) or "none"
                raise ValueError(f"unknown attribute {name!r} for label {key} (allowed: {allowed})")
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                raise ValueError(f"attribute {name!r} must be a string")
            if attribute.type == "choice" and value not in attribute.choices:
                raise ValueError(
                    f"attribute {name!r} must be one of {', '.join(attribute.choices)}, "
                    f"not {value!r}"
                )
            if len(value) > attribute.max_length:
                raise ValueError(
                    f"attribute {name!r} is longer than {attribute.max_length} characters"
                )
            clean[name] = value
        return clean


def check_scheme_version(scheme: LabelScheme, recorded: tuple[int, str] | None) -> bool:
    """Whether `scheme` is new to a database that last saw `recorded` (version, fingerprint).

    LabelSchemeError naming the file when the labels changed but the version did not, or when
    the version is older than the one the database has seen.
    """
    if recorded is None:
        return True
    version, fingerprint = recorded
    if scheme.version < version:
        raise LabelSchemeError(
            f"{scheme.path}: field 'version' is {scheme.version}, older than version {version} "
            "the database already uses"
        )
    if scheme.version == version and scheme.fingerprint() != fingerprint:
        raise LabelSchemeError(
            f"{scheme.path}: the labels changed but field 'version' is still {version}; "
            f"set version = {version + 1} for the new guidelines"
        )
    return scheme.version > version


def check_labels_in_use(scheme: LabelScheme, in_use: dict[str, int]) -> None:
    """LabelSchemeError naming the file when stored spans carry a label the scheme lacks."""
    missing = sorted(set(in_use) - set(scheme.keys()))
    if missing:
        uses = ", ".join(f"{key!r} ({in_use[key]} spans)" for key in missing)
        raise LabelSchemeError(
            f"{scheme.path}: missing label {uses}: the database has spans with "
            f"{'this label' if len(missing) == 1 else 'these labels'}; add a [[label]] table "
            "with that key"
        )


_LABEL_FIELDS = {
    "key",
    "name",
    "colour",
    "hotkey",
    "description_de",
    "description_en",
    "attributes",
    "name_de",
}
_REQUIRED = ("key", "name", "colour", "hotkey", "description_de", "description_en")
_ATTRIBUTE_FIELDS = {
    "name",
    "type",
    "choices",
    "description",
    "max_length",
    "description_de",
    "choice_names",
    "choice_names_de",
    "title",
    "title_de",
}
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def load_label_scheme(path: str | Path | None = None) -> LabelScheme:
    """Load and validate the label scheme at `path` (TOML or JSON)."""
    path = Path(path) if path else DEFAULT_LABELS_PATH
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LabelSchemeError(f"{path}: cannot read the label scheme ({exc.strerror})") from exc
    try:
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise LabelSchemeError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'toml'}: {exc}"
        ) from exc
    return parse_label_scheme(data, str(path))


def parse_label_scheme(data: Any, where: str) -> LabelScheme:
    """Validate an already parsed scheme; `where` names its file in errors."""
    if not isinstance(data, dict):
        raise LabelSchemeError(f"{where}: the scheme must be a table")
    unknown = set(data) - {"version", "label"}
    if unknown:
        raise LabelSchemeError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LabelSchemeError(f"{where}: field 'version' must be a positive integer")
    entries = data.get("label")
    if not isinstance(entries, list) or not entries:
        raise LabelSchemeError(f"{where}: no labels: add at least one [[label]] table")
    labels, keys, hotkeys = [], set(), {}
    for i, entry in enumerate(entries):
        at = f"{where}: label[{i}]"
        if not isinstance(entry, dict):
            raise LabelSchemeError(f"{at}: must be a table")
        unknown = set(entry) - _LABEL_FIELDS
        if unknown:
            raise LabelSchemeError(f"{at}: unknown field {sorted(unknown)[0]!r}")
        for name in _REQUIRED:
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise LabelSchemeError(f"{at}: missing or empty field {name!r}")
        key = entry["key"]
        at = f"{where}: label {key}"
        if not _KEY.match(key):
            raise LabelSchemeError(f"{at}: field 'key' must be UPPER_SNAKE_CASE")
        if key in keys:
            raise LabelSchemeError(f"{at}: duplicate key {key!r}")
        keys.add(key)
        if not _COLOUR.match(entry["colour"]):
            raise LabelSchemeError(f"{at}: field 'colour' must look like #RRGGBB")
        hotkey = entry["hotkey"]
        if len(hotkey) != 1 or hotkey.isspace():
            raise LabelSchemeError(f"{at}: field 'hotkey' must be one character")
        if hotkey.lower() in hotkeys:
            raise LabelSchemeError(
                f"{at}: duplicate hotkey {hotkey!r} (also used by {hotkeys[hotkey.lower()]})"
            )
        hotkeys[hotkey.lower()] = key
        labels.append(
            Label(
                key,
                entry["name"],
                entry["colour"],
                hotkey,
                entry["description_de"].strip(),
                entry["description_en"].strip(),
                _attributes(entry.get("attributes", []), at),
                _optional_text(entry, "name_de", at),
            )
        )
    return LabelScheme(tuple(labels), where, version)


def _optional_text(entry: dict, name: str, at: str) -> str:
    value = entry.get(name, "")
    if not isinstance(value, str) or (name in entry and not value.strip()):
        raise LabelSchemeError(f"{at}: field {name!r} must be a non-empty string")
    return value.strip()


def _attributes(entries: Any, at: str) -> tuple[Attribute, ...]:
    if not isinstance(entries, list):
        raise LabelSchemeError(f"{at}: field 'attributes' must be a list of tables")
    attributes, names = [], set()
    for j, entry in enumerate(entries):
        where = f"{at}: attributes[{j}]"
        if not isinstance(entry, dict):
            raise LabelSchemeError(f"{where}: must be a table")
        unknown = set(entry) - _ATTRIBUTE_FIELDS
        if unknown:
            raise LabelSchemeError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        name = entry.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            raise LabelSchemeError(f"{where}: field 'name' must be an identifier")
        if name in names:
            raise LabelSchemeError(f"{where}: duplicate attribute {name!r}")
        names.add(name)
        kind = entry.get("type")
        if kind not in ("text", "choice"):
            raise LabelSchemeError(f"{where}: field 'type' must be 'text' or 'choice'")
        choices = entry.get("choices", [])
        if kind == "choice" and (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c for c in choices)
        ):
            raise LabelSchemeError(f"{where}: field 'choices' must be a non-empty list of strings")
        max_length = entry.get("max_length", 200)
        if not isinstance(max_length, int) or max_length < 1:
            raise LabelSchemeError(f"{where}: field 'max_length' must be a positive integer")
        attributes.append(
            Attribute(
                name,
                kind,
                tuple(choices),
                entry.get("description", ""),
                max_length,
                _optional_text(entry, "description_de", where),
                _choice_names(entry, "choice_names", kind, choices, where),
                _choice_names(entry, "choice_names_de", kind, choices, where),
                _optional_text(entry, "title", where),
                _optional_text(entry, "title_de", where),
            )
        )
    return tuple(attributes)


def _choice_names(
    entry: dict, field_name: str, kind: str, choices: list, where: str
) -> tuple[tuple[str, str], ...]:
    """An attribute's table of shown names, choice -> name, checked against its choices."""
    if field_name not in entry:
        return ()
    names = entry[field_name]
    if kind != "choice":
        raise LabelSchemeError(f"{where}: field {field_name!r} is only for a 'choice' attribute")
    if not isinstance(names, dict):
        raise LabelSchemeError(f"{where}: field {field_name!r} must be a table, choice = name")
    for choice, shown in names.items():
        if choice not in choices:
            raise LabelSchemeError(
                f"{where}: field {field_name!r}: {choice!r} is not one of the choices "
                f"({', '.join(choices)})"
            )
        if not isinstance(shown, str) or not shown.strip():
            raise LabelSchemeError(
                f"{where}: field {field_name!r}: the name of {choice!r} must be a non-empty string"
            )
    return tuple((c, names[c].strip()) for c in choices if c in names)
