"""The ``secure-base`` command line, without starting a server."""

import pytest

from widgets import cli
from widgets.server import voila_argv


def test_where_prints_the_journal_and_course(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SECURE_BASE_JOURNAL", str(tmp_path / "mine.json"))
    assert cli.main(["where"]) == 0
    out = capsys.readouterr().out
    assert f"journal: {tmp_path / 'mine.json'}" in out
    assert f"course:  {cli.course_dir()}" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "0"], "--port must be between 1 and 65535"),
        (["serve", "--port", "70000"], "--port must be between 1 and 65535"),
        (["serve", "--cull-after", "0"], "--cull-after must be at least 1 second"),
        (["serve", "--port", "eighty"], "invalid int value"),
        (["teach"], "invalid choice"),
    ],
)
def test_bad_options_get_a_clear_message(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_voila_is_set_up_for_learners():
    argv = voila_argv(8866, cull_after=600)
    assert argv[0] == str(cli.course_dir())
    for option in (
        "--Voila.ip=127.0.0.1",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        "--KernelManager.transport=ipc",
        "--Voila.auto_token=True",
    ):
        assert option in argv
    assert "--MappingKernelManager.cull_interval=1" in voila_argv(8866, cull_after=2)


def test_a_port_in_use_gets_a_clear_message(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as info:
            cli.main(["serve", "--no-browser", "--port", str(port)])
    assert info.value.code == 1
    assert f"port {port} is already in use" in capsys.readouterr().err


def test_without_a_port_a_taken_default_is_replaced_by_a_free_one(monkeypatch):
    chosen = {}
    monkeypatch.setattr(cli, "port_is_free", lambda port: False)
    monkeypatch.setattr(cli, "serve", lambda port, *a, **k: chosen.setdefault("port", port) and 0)
    cli.main(["serve", "--no-browser"])
    assert chosen["port"] != cli.DEFAULT_PORT and 0 < chosen["port"] < 65536


def test_the_usage_names_only_the_commands_a_person_runs(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    usage = capsys.readouterr().out
    for command in ("serve", "workshop", "kit", "export", "jupyterhub-config", "where"):
        assert command in usage
    assert "_server" not in usage
    with pytest.raises(SystemExit):
        cli.main(["teach"])
    refused = capsys.readouterr().err
    assert "invalid choice: 'teach'" in refused and "_server" not in refused


@pytest.mark.parametrize(
    ("command", "first_line", "defaults"),
    [
        ("serve", "Start the course and open it in your browser.", ["default 8866", "default 600"]),
        (
            "workshop",
            "Run the course for a room of learners, with a dashboard for you, the trainer.",
            ["default 127.0.0.1", "default 8866", "learners' port + 1", "default 5", "cohorts"],
        ),
        ("kit", "Write the facilitator's kit: slides, session plan and prompt cards.", []),
        (
            "export",
            "Save your journal as a web page.",
            ["default: yours", "--no-profile", "--no-actions"],
        ),
        (
            "jupyterhub-config",
            "Print a JupyterHub configuration that runs the course for all your staff.",
            [],
        ),
        ("where", "Show where your journal and the course are kept.", []),
    ],
)
def test_each_command_s_help_says_what_it_does_and_its_defaults(
    capsys, command, first_line, defaults
):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    # After the usage lines, the first line of the description says what the command does.
    description = text.split("\n\n")[1]
    assert description.startswith(first_line), description
    flat = " ".join(text.split())
    for default in defaults:
        assert default in flat, default
