"""The ``secure-base`` command line, without starting a server."""

import pytest

from widgets import cli


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
    argv = cli.voila_argv(8866, cull_after=600)
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
    assert "--MappingKernelManager.cull_interval=1" in cli.voila_argv(8866, cull_after=2)


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
