"""Accounts: names, scrypt passwords, login, API tokens stored hashed, `annotator token create`."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from werkzeug.security import check_password_hash

from annotator import store
from annotator.cli import main
from annotator.core.errors import AppError
from annotator.services import accounts
from annotator.store import users as user_store
from annotator.store.events import list_events
from tests.conftest import PASSWORD, bearer, login


def test_passwords_are_salted_scrypt_hashes():
    first, second = accounts.hash_password(PASSWORD), accounts.hash_password(PASSWORD)
    assert first.startswith("scrypt:") and second.startswith("scrypt:")
    assert first != second  # salted
    assert PASSWORD not in first
    assert check_password_hash(first, PASSWORD) and not check_password_hash(first, PASSWORD + "x")


@pytest.mark.parametrize("password", ["short", "", None, 12345678])
def test_weak_or_missing_passwords_are_refused(password):
    with pytest.raises(AppError, match="at least 8"):
        accounts.hash_password(password)


@pytest.mark.parametrize("name", ["gold", "GOLD", "", "a b", "-lead", "x" * 65, "ä", None])
def test_bad_user_names(name):
    with pytest.raises(AppError):
        accounts.validate_name(name)


@pytest.mark.parametrize("name", ["anna", "a", "Ben.K", "lead_2", "x" * 64])
def test_good_user_names(name):
    assert accounts.validate_name(name) == name


def test_authenticate(db):
    assert accounts.authenticate(db, "anna", PASSWORD).name == "anna"
    assert accounts.authenticate(db, "anna", "wrong password") is None
    assert accounts.authenticate(db, "nobody", PASSWORD) is None
    assert accounts.authenticate(db, "gold", PASSWORD) is None
    assert accounts.authenticate(db, "anna", None) is None
    accounts.create_user(db, "tokenonly", "annotator", None)
    assert accounts.authenticate(db, "tokenonly", "") is None
    user_store.set_disabled(db, "anna", True, "test")
    assert accounts.authenticate(db, "anna", PASSWORD) is None


def test_unknown_user_costs_a_hash_check_too(db, monkeypatch):
    """A wrong name and a wrong password do the same work, so timing does not tell names apart."""
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    accounts.authenticate(db, "anna", "wrong password")
    accounts.authenticate(db, "nobody", "wrong password")
    assert len(calls) == 2 and all(h.startswith("scrypt:") for h in calls)


def test_duplicate_user_is_refused(db):
    with pytest.raises(AppError) as exc:
        accounts.create_user(db, "anna", "annotator", PASSWORD)
    assert exc.value.status == 409


def test_api_tokens_are_stored_only_as_sha256(db):
    token = accounts.create_api_token(db, "ben")
    assert token.startswith("ann_") and len(token) > 40
    stored = [r[0] for r in db.conn.execute("SELECT token_sha256 FROM api_token").fetchall()]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    everything = " ".join(
        str(v)
        for table in ("api_token", "event", "user")
        for row in db[table].rows
        for v in row.values()
    )
    assert token not in everything and token[4:] not in everything
    assert accounts.user_for_token(db, token).name == "ben"
    assert [e.after for e in list_events(db, "user", "ben") if e.action == "token"] == [
        {"token": "created"}
    ]


@pytest.mark.parametrize(
    "token", ["", "ann_", "ann_wrong", "Bearer x", "x" * 300, "ann_" + "a" * 300, None]
)
def test_unknown_tokens_find_nobody(db, token):
    accounts.create_api_token(db, "ben")
    assert accounts.user_for_token(db, token) is None


def test_disabled_users_tokens_stop_working(db):
    token = accounts.create_api_token(db, "ben")
    user_store.set_disabled(db, "ben", True, "test")
    assert accounts.user_for_token(db, token) is None


def test_token_create_command_prints_a_working_token(app, db_path):
    runner = CliRunner()
    result = runner.invoke(main, ["token", "create", "anna", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    again = runner.invoke(main, ["token", "create", "anna", "--db", str(db_path)]).output.strip()
    assert token != again
    client = app.test_client()
    for value in (token, again):
        response = client.get("/api/me", headers=bearer(value))
        assert response.status_code == 200
        assert response.json == {"name": "anna", "role": "annotator"}


@pytest.mark.parametrize("name", ["nobody", "gold"])
def test_token_create_for_an_unknown_user_fails_cleanly(db_path, name):
    result = CliRunner().invoke(main, ["token", "create", name, "--db", str(db_path)])
    assert result.exit_code == 1
    assert f"no user called '{name}'" in result.output
    assert "Traceback" not in result.output


def test_session_login_and_password_change_ends_it(client, db):
    login(client, "lea")
    assert client.get("/api/me").json == {"name": "lea", "role": "lead"}
    user_store.set_password(db, "lea", accounts.hash_password("a new password"), "test")
    assert client.get("/api/me").status_code == 401


def test_simultaneous_wrong_logins_check_at_most_the_limit_of_passwords(db_path):
    """40 wrong logins at once for one name: only 5 reach the password check (the rest locked)."""
    import threading

    limits = accounts.LoginLimits(window=900, per_name=5, per_address=1000)
    results, barrier = [], threading.Barrier(40)

    def attempt(k: int) -> None:
        db = store.connect(db_path, migrate_schema=False)
        barrier.wait()
        results.append(
            accounts.attempt_login(db, "anna", "wrong password", f"10.0.0.{k}", 1e9, limits)
        )
        db.conn.close()

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = [r for r in results if not r.retry_after]
    assert len(results) == 40 and len(checked) == 5
    assert all(r.user is None for r in results)
