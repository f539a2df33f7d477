"""Accounts holes of the audit (issue 13): look-alike names (7), tokens (10), passwords (11)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from annotator import store
from annotator.cli import main
from annotator.core.errors import AppError
from annotator.services import accounts
from annotator.store import users as user_store
from tests.conftest import bearer


@pytest.fixture
def cli(db_path):
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, [*args, "--db", str(db_path)], input=input)

    return run


def names(db_path) -> list[str]:
    db = store.connect(db_path)
    try:
        return sorted(user_store.user_names(db))
    finally:
        db.conn.close()


# --- hole 7: names with a trailing newline, case and Unicode look-alikes ----------------------


def test_a_name_with_a_trailing_newline_is_refused(cli, db_path):
    before = names(db_path)
    result = cli(
        "user", "add", "lea\n", "--role", "lead", "--password-stdin", input="a fine passphrase\n"
    )
    assert result.exit_code == 1 and "user name" in result.output
    assert names(db_path) == before


@pytest.mark.parametrize("name", ["Anna", "ANNA", "Lea", "GOLD", "Gold"])
def test_a_name_differing_only_by_case_is_refused(db, name):
    with pytest.raises(AppError):
        accounts.create_user(db, name, "annotator", "a fine passphrase")


def test_look_alikes_compare_by_case_fold_and_nfkc():
    assert accounts.name_key("ANNA") == accounts.name_key("anna")
    assert accounts.name_key("ｌｅａ") == accounts.name_key("lea")  # fullwidth letters (NFKC)
    assert accounts.name_key("Straße") == accounts.name_key("STRASSE")


def test_import_of_gold_with_a_newline_or_anna_in_capitals_is_refused(cli, db_path, tmp_path):
    before = names(db_path)
    for annotator in ("gold\\n", "Anna", "anna\\n"):
        path = tmp_path / "p.jsonl"
        path.write_text(
            '{"text": "Ein neuer Text über Kursk.", "spans": [], "answer": "accept", '
            f'"_annotator_id": "{annotator}"}}\n'
        )
        result = cli("import", str(path), "--format", "prodigy")
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit)
    assert names(db_path) == before


# --- hole 10: tokens listed, revoked one by one, last use shown -------------------------------


def test_tokens_are_listed_and_revoked_one_by_one(cli, client, db_path):
    first = cli("token", "create", "anna").output.strip()
    second = cli("token", "create", "anna").output.strip()
    listed = cli("token", "list", "anna")
    assert listed.exit_code == 0
    rows = listed.output.strip().splitlines()
    assert len(rows) == 2 and all("last used never" in r for r in rows)
    assert client.get("/api/me", headers=bearer(first)).status_code == 200
    rows = cli("token", "list", "anna").output.strip().splitlines()
    assert "last used never" not in rows[0] and "last used never" in rows[1]
    first_id = rows[0].split("\t")[0]
    revoked = cli("token", "revoke", first_id)
    assert revoked.exit_code == 0 and "anna" in revoked.output
    assert client.get("/api/me", headers=bearer(first)).status_code == 401
    assert client.get("/api/me", headers=bearer(second)).status_code == 200
    again = cli("token", "revoke", first_id)
    assert again.exit_code == 1 and "no API token" in again.output
    assert cli("token", "revoke", "x").exit_code == 2


def test_a_disabled_user_gets_no_token(cli, db_path):
    assert cli("user", "disable", "ben").exit_code == 0
    result = cli("token", "create", "ben")
    assert result.exit_code == 1 and "disabled" in result.output
    assert "ann_" not in result.output


# --- hole 11: the password policy -------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "password",
        " " * 8,
        "\t" * 12,
        "x" * 100_000,
        "PassWord123",
        "annalena",
        "ANNALENA ",
        "anelanna",
    ],
)
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(AppError):
        accounts.create_user(db, "annalena", "annotator", password)
    assert user_store.get_user(db, "annalena") is None


def test_a_long_but_bounded_passphrase_is_fine(db):
    accounts.create_user(db, "annalena", "annotator", "ein langer satz " * 64)
    assert user_store.get_user(db, "annalena") is not None
