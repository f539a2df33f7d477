"""The label scheme: the shipped file, and every kind of invalid scheme."""

from __future__ import annotations

import json
import tomllib

import pytest

from annotator.core.labels import (
    DEFAULT_LABELS_PATH,
    LabelSchemeError,
    check_labels_in_use,
    load_label_scheme,
)


def test_shipped_scheme_has_the_three_labels():
    scheme = load_label_scheme()
    assert scheme.keys() == ["STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING"]
    assert [label.hotkey for label in scheme.labels] == ["1", "2", "3"]
    for label in scheme.labels:
        assert label.description_de and label.description_en and label.colour.startswith("#")
    assert scheme.get("STATE_PROPAGANDA").attribute("speaker").type == "text"
    assert "south_korea" in scheme.get("INTEL_ESTIMATE").attribute("agency").choices


def _write(tmp_path, data, name="labels.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _base():
    return tomllib.loads(DEFAULT_LABELS_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["label"][1].update(hotkey="1"), r"label INTEL_ESTIMATE: duplicate hotkey '1'"),
        (lambda d: d["label"][1].update(key="STATE_PROPAGANDA"), r"duplicate key"),
        (lambda d: d["label"][0].update(shortcut="x"), r"label\[0\]: unknown field 'shortcut'"),
        (lambda d: d["label"][2].pop("description_en"), r"label\[2\]: missing or empty field"),
        (lambda d: d.update(label=[]), r"no labels"),
        (lambda d: d.update(colours=1), r"unknown field 'colours'"),
        (lambda d: d["label"][0].update(colour="red"), r"field 'colour'"),
        (
            lambda d: d["label"][1]["attributes"][0].update(choices=[]),
            r"attributes\[0\]: field 'choices'",
        ),
        (lambda d: d["label"][0]["attributes"][0].update(type="number"), r"field 'type'"),
        (lambda d: d["label"][2].update(name_de=" "), r"EDITORIAL_FRAMING: field 'name_de' must"),
        (lambda d: d["label"][0].update(name_de=3), r"STATE_PROPAGANDA: field 'name_de' must"),
        (
            lambda d: d["label"][1]["attributes"][0].update(description_de=""),
            r"attributes\[0\]: field 'description_de' must",
        ),
        (
            lambda d: d["label"][1]["attributes"][0]["choice_names_de"].update(mars="Mars"),
            r"attributes\[0\]: field 'choice_names_de': 'mars' is not one of the choices",
        ),
        (
            lambda d: d["label"][1]["attributes"][0]["choice_names"].update(usa=""),
            r"attributes\[0\]: field 'choice_names': the name of 'usa' must be a non-empty",
        ),
        (
            lambda d: d["label"][1]["attributes"][0].update(choice_names=["USA"]),
            r"attributes\[0\]: field 'choice_names' must be a table",
        ),
        (
            lambda d: d["label"][0]["attributes"][0].update(title_de=" "),
            r"label STATE_PROPAGANDA: attributes\[0\]: field 'title_de' must be a non-empty",
        ),
        (
            lambda d: d["label"][0]["attributes"][0].update(choice_names={"x": "X"}),
            r"label STATE_PROPAGANDA: attributes\[0\]: field 'choice_names' is only for a "
            r"'choice' attribute",
        ),
    ],
)
def test_invalid_scheme_names_file_and_field(tmp_path, change, message):
    data = _base()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(LabelSchemeError, match=message) as err:
        load_label_scheme(path)
    assert str(err.value).startswith(str(path))


def test_german_names_are_display_only(tmp_path):
    """`name_de` and an attribute's `description_de` are optional; the German interface's
    scheme uses them where they are given and keeps everything else, the fingerprint (a
    guideline version's content) included."""
    scheme = load_label_scheme()
    german = scheme.localized("de")
    assert [label.name for label in german.labels] == [label.name_de for label in scheme.labels]
    assert german.keys() == scheme.keys() and german.fingerprint() == scheme.fingerprint()
    for theirs, ours in zip(german.get("INTEL_ESTIMATE").attributes,
                            scheme.get("INTEL_ESTIMATE").attributes, strict=True):  # fmt: skip
        assert (theirs.name, theirs.type, theirs.choices) == (ours.name, ours.type, ours.choices)
        assert theirs.description == ours.description_de != ours.description
    agency = scheme.get("INTEL_ESTIMATE").attribute("agency")
    german_agency = german.get("INTEL_ESTIMATE").attribute("agency")
    assert [agency.choice_name(c) for c in agency.choices][:3] == ["South Korea", "Ukraine", "USA"]
    assert german_agency.choice_name("south_korea") == "Südkorea"
    assert german.attribute_text("INTEL_ESTIMATE", "agency", "russia") == "Russland"
    assert scheme.attribute_text("INTEL_ESTIMATE", "agency", "russia") == "Russia"
    # a value the scheme does not name (a dropped choice, a text attribute) shows as it is
    assert german.attribute_text("INTEL_ESTIMATE", "agency", "mars") == "mars"
    assert german.attribute_text("STATE_PROPAGANDA", "speaker", "KCNA") == "KCNA"
    assert german.attribute_text("NO_SUCH_LABEL", "agency", "usa") == "usa"
    # and the attributes by their titles
    assert german.attribute_title("INTEL_ESTIMATE", "agency") == "Quelle"
    assert german_agency.shown_name == "Quelle" and agency.shown_name == "agency"
    assert german.attribute_title("STATE_PROPAGANDA", "speaker") == "Sprecher"
    assert german.attribute_title("STATE_PROPAGANDA", "dropped") == "dropped"
    assert scheme.localized("en") is scheme and scheme.localized("de") is german
    assert german.localized("de") is german and german.localized("en") is scheme
    data = _base()
    for label in data["label"]:
        label.pop("name_de")
        for attribute in label.get("attributes", []):
            attribute.pop("description_de")
            attribute.pop("choice_names_de", None)
            attribute.pop("title_de", None)
    plain = load_label_scheme(_write(tmp_path, data))
    assert plain.fingerprint() == scheme.fingerprint() and plain.localized("de") is plain
    # the English names are display only too; a partial table names only some choices
    for label in data["label"]:
        for attribute in label.get("attributes", []):
            if attribute.pop("choice_names", None):
                attribute["choice_names"] = {"nato": "NATO"}
    partial = load_label_scheme(_write(tmp_path, data)).get("INTEL_ESTIMATE").attribute("agency")
    assert [partial.choice_name(c) for c in ("nato", "usa")] == ["NATO", "usa"]
    assert load_label_scheme(_write(tmp_path, data)).fingerprint() == scheme.fingerprint()


def test_unreadable_and_unparsable_files(tmp_path):
    with pytest.raises(LabelSchemeError, match="cannot read"):
        load_label_scheme(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[label]\nkey=", encoding="utf-8")
    with pytest.raises(LabelSchemeError, match=r"bad\.toml: not valid toml"):
        load_label_scheme(bad)


def test_attribute_validation():
    scheme = load_label_scheme()
    assert scheme.validate_attributes("INTEL_ESTIMATE", {"agency": "nato"}) == {"agency": "nato"}
    assert scheme.validate_attributes("STATE_PROPAGANDA", None) == {}
    with pytest.raises(ValueError, match="unknown attribute 'agency' for label STATE_PROPAGANDA"):
        scheme.validate_attributes("STATE_PROPAGANDA", {"agency": "nato"})
    with pytest.raises(ValueError, match="must be one of"):
        scheme.validate_attributes("INTEL_ESTIMATE", {"agency": "mars"})
    with pytest.raises(ValueError, match="must be a string"):
        scheme.validate_attributes("STATE_PROPAGANDA", {"speaker": 3})


def test_a_label_the_stored_spans_use_but_the_scheme_lacks_is_an_error(tmp_path):
    data = _base()
    data["label"] = [entry for entry in data["label"] if entry["key"] != "INTEL_ESTIMATE"]
    scheme = load_label_scheme(_write(tmp_path, data))
    check_labels_in_use(scheme, {"STATE_PROPAGANDA": 4})  # a subset of the scheme is fine
    check_labels_in_use(scheme, {})
    with pytest.raises(LabelSchemeError) as info:
        check_labels_in_use(scheme, {"STATE_PROPAGANDA": 4, "INTEL_ESTIMATE": 3})
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'labels.json'}: missing label 'INTEL_ESTIMATE'")
    assert "(3 spans)" in message and "STATE_PROPAGANDA" not in message
