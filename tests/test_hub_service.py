"""The pieces of the dashboard service that need no hub: the keyed hash shares are filed under,
the cohort database's address from the environment or a file, the service's secret, and the
configuration `secure-base jupyterhub-config` writes for it (tests/test_jupyterhub.py runs it
all on a real hub)."""

from __future__ import annotations

import os
import sys

import pytest

from widgets import cli
from widgets.content import load_course
from widgets.server.settings import SERVICE_ONLY_ENV
from widgets.workshop.cohort import (
    CohortError,
    CohortStore,
    database_from_environment,
    owner_keys,
)
from widgets.workshop.hub import ServiceError, share_secret
from widgets.workshop.hubshare import HubShares

SECRET = b"s" * 40


def test_a_hub_user_has_one_key_per_cohort_that_names_nobody():
    ratings, notes = owner_keys(SECRET, "K7M-4QX", "alice")
    assert ratings != notes  # notes cannot be joined to ratings
    assert owner_keys(SECRET, "k7m 4qx", "alice") == (ratings, notes)
    assert owner_keys(SECRET, "K7M-4QY", "alice")[0] != ratings  # nor one cohort to another
    assert owner_keys(SECRET, "K7M-4QX", "bob")[0] != ratings
    assert owner_keys(b"t" * 40, "K7M-4QX", "alice")[0] != ratings  # the secret matters
    assert "alice" not in ratings
    with pytest.raises(CohortError, match="too short"):
        owner_keys(b"short", "K7M-4QX", "alice")


def test_a_hub_user_sharing_again_replaces_their_share(tmp_path):
    store = CohortStore(tmp_path / "c.sqlite", load_course())
    code = store.create_cohort("Spring").code
    ratings, notes = owner_keys(SECRET, code, "alice")
    assert store.share_hashed(code, ratings, {("availability", "general"): 2}) is True
    assert store.share_hashed(code, ratings, {("availability", "general"): 3}) is False
    store.post_note_hashed(code, notes, "A note")
    assert store.summary(code, 3).participants == 1
    assert store.shared_hashed(code, ratings) == {("availability", "general"): 3}
    assert [n.text for n in store.my_notes_hashed(code, notes)] == ["A note"]
    assert store.withdraw_hashed(code, ratings, notes) is True
    assert store.summary(code, 3).participants == 0 and not store.summary(code, 3).notes
    store.close()


def test_the_database_address_comes_from_the_environment_or_a_file(tmp_path):
    assert database_from_environment({}) is None
    url = "postgresql+psycopg://secure@db.example.org/cohorts"
    assert database_from_environment({"SECURE_BASE_COHORT_DB": url}) == url
    held = tmp_path / "db-url"
    held.write_text(url + "\n")
    assert database_from_environment({"SECURE_BASE_COHORT_DB_FILE": str(held)}) == url
    with pytest.raises(CohortError, match="could not be read"):
        database_from_environment({"SECURE_BASE_COHORT_DB_FILE": str(tmp_path / "missing")})
    held.write_text(url + "\nanother line\n")
    with pytest.raises(CohortError, match="on one line"):
        database_from_environment({"SECURE_BASE_COHORT_DB_FILE": str(held)})


def test_the_share_secret_is_made_once_and_kept(tmp_path):
    made = share_secret({}, cwd=tmp_path)
    assert len(made) >= 32
    assert share_secret({}, cwd=tmp_path) == made  # the same after a restart
    if sys.platform != "win32":
        assert (tmp_path / "secure-base-share-secret").stat().st_mode & 0o777 == 0o600
    given = "g" * 40
    assert share_secret({"SECURE_BASE_SHARE_SECRET": given}) == given.encode()
    with pytest.raises(ServiceError, match="too short"):
        share_secret({"SECURE_BASE_SHARE_SECRET": "short"})


def test_a_learner_server_shares_only_with_the_hub_s_token_and_name():
    assert HubShares.from_environment({"SECURE_BASE_COHORT_SERVICE": "http://x/"}) is None
    found = HubShares.from_environment(
        {
            "SECURE_BASE_COHORT_SERVICE": "http://127.0.0.1:1/services/secure-base-dashboard/",
            "JUPYTERHUB_API_TOKEN": "abc",
            "JUPYTERHUB_USER": "alice",
        }
    )
    assert found is not None and found.user == "alice"
    with pytest.raises(OSError):  # nothing listens there: the page says "try again shortly"
        found.cohort("K7M-4QX")


def test_the_hub_config_names_the_service_the_role_and_the_group(capsys):
    assert cli.main(["jupyterhub-config", "--trainers-group", "tutors"]) == 0
    text = capsys.readouterr().out
    config = _load(text, {"SECURE_BASE_COHORT_DB_FILE": "/run/secrets/db"})
    (service,) = config["services"]
    assert service["name"] == "secure-base-dashboard"
    assert service["command"][1:] == ["-m", "widgets.workshop.hub"]
    assert service["environment"] == {"SECURE_BASE_COHORT_DB_FILE": "/run/secrets/db"}
    (role,) = config["load_roles"]
    assert role["groups"] == ["tutors"]
    assert role["scopes"] == ["access:services!service=secure-base-dashboard"]
    learners = config["environment"]
    assert learners["SECURE_BASE_COHORT_SERVICE"].endswith("/services/secure-base-dashboard/")
    assert not any(k.startswith("SECURE_BASE_COHORT_DB") for k in learners)
    assert "postgresql" not in text


def _load(text: str, environ: dict[str, str]) -> dict:
    """Run a jupyterhub_config.py as the hub would, with a stand-in for its config object."""
    from types import SimpleNamespace

    c = SimpleNamespace(JupyterHub=SimpleNamespace(), Spawner=SimpleNamespace())
    saved = dict(os.environ)
    for name in SERVICE_ONLY_ENV:
        os.environ.pop(name, None)
    os.environ.update(environ)
    try:
        exec(compile(text, "jupyterhub_config.py", "exec"), {"get_config": lambda: c})  # noqa: S102
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "services": c.JupyterHub.services,
        "load_roles": c.JupyterHub.load_roles,
        "environment": c.Spawner.environment,
    }
