"""The course on Kubernetes (`secure-base jupyterhub-config --helm`) and its Binder badges
(`secure-base binder-links`).

The Helm configuration is checked as Helm checks it: merged over the Zero to JupyterHub chart's
own defaults and validated against the chart's values schema (both kept beside the repository,
not in it).
"""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from widgets import cli
from widgets.server import WELCOME, server_settings, settings_argv


def _chart_folder() -> Path:
    """The chart's own values and schema: test data beside the project, never copied into it.

    ``SECURE_BASE_Z2JH`` names the folder. Otherwise it is ``shared/vendor/z2jh`` beside this
    checkout, or beside the repository this checkout was cloned from (a clean clone made for
    a test run keeps the address of its origin).
    """
    configured = os.environ.get("SECURE_BASE_Z2JH")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve().parents[1]
    roots = [here]
    try:
        origin = subprocess.run(
            ["git", "-C", str(here), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        origin = ""
    if origin and "://" not in origin and Path(origin).is_dir():
        roots.append(Path(origin).resolve())
    for root in roots:
        for parent in root.parents:
            candidate = parent / "shared" / "vendor" / "z2jh"
            if candidate.is_dir():
                return candidate
    return here.parent / "shared" / "vendor" / "z2jh"


CHART = _chart_folder()
IMAGE = "registry.example.org/team/secure-base:2025-01"


@pytest.fixture(scope="module")
def chart() -> tuple[dict[str, Any], Draft7Validator]:
    if not (CHART / "values.schema.yaml").is_file():
        # Test data kept outside the repository: without it the check cannot be made here.
        pytest.skip(
            f"the Zero to JupyterHub chart's values and schema are not at {CHART}; "
            "set SECURE_BASE_Z2JH to the folder that holds them"
        )
    defaults = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return defaults, Draft7Validator(schema)


def merged(defaults: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """``config`` over ``defaults`` as Helm merges values: mappings key by key, anything else
    (lists included) replaced whole."""
    out = copy.deepcopy(defaults)
    for key, value in config.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def run(capsys, argv: list[str]) -> str:
    assert cli.main(argv) == 0
    return capsys.readouterr().out


def helm_text(capsys, *extra: str) -> str:
    return run(capsys, ["jupyterhub-config", "--helm", "--image", IMAGE, *extra])


def problems(validator: Draft7Validator, values: dict[str, Any]) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator.iter_errors(values)
    ]


def test_the_helm_config_is_valid_chart_values_with_the_course_in_them(capsys, chart):
    defaults, validator = chart
    text = helm_text(capsys)
    assert text.startswith("# Zero to JupyterHub")
    assert "helm upgrade --install" in text and "--values config.yaml" in text
    values = merged(defaults, yaml.safe_load(text))
    assert problems(validator, values) == []

    user = values["singleuser"]
    assert user["image"]["name"] == "registry.example.org/team/secure-base"
    assert user["image"]["tag"] == "2025-01"
    assert user["defaultUrl"] == f"/voila/render/{WELCOME}"
    assert user["extraEnv"]["SECURE_BASE_STORE"] == "file"
    # Learners' servers share through the dashboard service, and may reach it; never the database.
    assert user["extraEnv"]["SECURE_BASE_COHORT_SERVICE"] == (
        "http://secure-base-dashboard:8000/services/secure-base-dashboard/"
    )
    assert not any(k.startswith("SECURE_BASE_COHORT_DB") for k in user["extraEnv"])
    (rule,) = user["networkPolicy"]["egress"]
    assert rule["ports"] == [{"port": 8000, "protocol": "TCP"}]
    # The course's Voilà settings, exactly as the jupyterhub_config.py route passes them.
    argv = settings_argv(server_settings())
    assert user["cmd"][-len(argv) :] == argv
    assert "--VoilaConfiguration.strip_sources=True" in user["cmd"]

    hub = values["hub"]
    service = hub["services"]["secure-base-dashboard"]
    assert service["url"] == "http://secure-base-dashboard:8000"
    assert service["oauth_no_confirm"] is True
    role = hub["loadRoles"]["secure-base-trainers"]
    assert role["groups"] == ["trainers"]
    assert role["scopes"] == ["access:services!service=secure-base-dashboard"]
    assert hub["extraEnv"]["SECURE_BASE_COHORT_DB"] == {
        "valueFrom": {"secretKeyRef": {"name": "secure-base-database", "key": "url"}}
    }
    assert "postgresql://" not in text and "password" not in text.lower()
    # The chart's own settings are still there beside the course's.
    assert hub["config"]["JupyterHub"]["authenticator_class"] == "dummy"

    assert values["cull"]["enabled"] is True
    assert values["cull"]["timeout"] == 3600
    assert 0 < values["cull"]["every"] <= values["cull"]["timeout"]


def test_the_trainers_group_can_be_named(capsys, chart):
    defaults, validator = chart
    values = merged(defaults, yaml.safe_load(helm_text(capsys, "--trainers-group", "tutors")))
    assert problems(validator, values) == []
    assert values["hub"]["loadRoles"]["secure-base-trainers"]["groups"] == ["tutors"]


def test_the_chart_schema_catches_a_broken_config(capsys, chart):
    defaults, validator = chart
    config = yaml.safe_load(helm_text(capsys))
    typo = copy.deepcopy(config)
    typo["singleuser"]["imagee"] = typo["singleuser"].pop("image")
    assert any("imagee" in p for p in problems(validator, merged(defaults, typo)))
    wrong_type = copy.deepcopy(config)
    wrong_type["cull"]["enabled"] = "yes"
    assert any(
        p.startswith("cull.enabled") for p in problems(validator, merged(defaults, wrong_type))
    )


def test_the_plain_config_is_unchanged_without_helm(capsys):
    text = run(capsys, ["jupyterhub-config"])
    assert text.startswith("# JupyterHub:") and "c.Spawner.default_url" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["jupyterhub-config", "--helm"], "--helm needs --image NAME:TAG"),
        (["jupyterhub-config", "--helm", "--image", "secure-base"], "has no tag"),
        (["jupyterhub-config", "--helm", "--image", "Secure Base:1"], "is not an image name"),
        (["jupyterhub-config", "--helm", "--image", "secure-base:-1"], "is not an image tag"),
        (["jupyterhub-config", "--image", IMAGE], "goes with --helm"),
        (
            ["jupyterhub-config", "--helm", "--image", IMAGE, "--trainers-group", " "],
            "needs a name",
        ),
        (["binder-links", "octo-org"], "is not a GitHub repository"),
        (["binder-links", "octo-org/team/extra"], "is not a GitHub repository"),
        (["binder-links", "octo-/team"], "is not a GitHub repository"),
        (["binder-links", "octo-org/team", "--ref", "a b"], "is not a branch, tag or commit"),
    ],
)
def test_bad_options_get_a_one_line_message(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.strip().splitlines()[-1].startswith("secure-base")
    assert "Traceback" not in err


def test_binder_links_are_the_two_readme_badges(capsys):
    out = run(capsys, ["binder-links", "octo-org/team-secure-base"])
    base = "https://mybinder.org/v2/gh/octo-org/team-secure-base/HEAD"
    badge = "https://mybinder.org/badge_logo.svg"
    assert out.splitlines() == [
        f"[![Open the course on Binder]({badge})]"
        f"({base}?urlpath=voila%2Frender%2Fcourse%2F00_welcome.ipynb)",
        f"[![Open in JupyterLab on Binder]({badge})]({base}?urlpath=lab)",
    ]


def test_binder_links_open_the_course_s_real_welcome_notebook(capsys):
    root = Path(__file__).resolve().parents[1]
    assert (root / "course" / WELCOME).is_file()
    out = run(capsys, ["binder-links", "octo-org/team-secure-base", "--ref", "release/2025"])
    assert "/team-secure-base/release%2F2025?urlpath=" in out
    assert f"course%2F{WELCOME}" in out
