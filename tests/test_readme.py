"""The README stays true: the two-command quick start runs, and every command is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

from samverkan.dataspace.broker import MOSQUITTO
from samverkan.importers import SOURCES
from tests.serving import free_port

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_is_exactly_two_commands():
    install_and_run, tests = quick_start()
    assert install_and_run == "pip install -e . && samverkan serve --demo"
    assert tests == "./scripts/test"
    assert os.access(ROOT / "scripts" / "test", os.X_OK)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./scripts/test" in ci  # CI runs the README's test command


def test_the_quick_start_serves_the_demo_catalogue(demo_copy, tmp_path):
    """Runs the first command's ``samverkan serve --demo`` (the install is what CI does), with
    its MQTT broker where Mosquitto is installed."""
    port, mqtt_port = free_port(), free_port()
    command = quick_start()[0].split("&&")[1].split()  # samverkan serve --demo
    assert command[:2] == ["samverkan", "serve"]
    process = subprocess.Popen(
        [sys.executable, "-m", "samverkan", "--db", demo_copy, *command[1:], "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if k != "SAMVERKAN_DB"}
        | {"SAMVERKAN_MQTT_PORT": str(mqtt_port), "SAMVERKAN_MQTT_DIR": str(tmp_path / "mqtt")},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(base + "/", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.2)
        assert home.status_code == 200 and "samverkan" in home.text
        answer = httpx.get(base + "/api/v1/search", params={"q": "Wellcome Trust", "kind": "organisation"}, timeout=30)
        assert answer.json()["results"][0]["id"] == "999905974"
    finally:
        process.terminate()
        process.wait(timeout=30)
        output = process.stdout.read().decode()
        process.stdout.close()
    if MOSQUITTO.exists():
        assert f"MQTT devices: mqtt://127.0.0.1:{mqtt_port}" in output, output
        assert (tmp_path / "mqtt" / "acl").exists()
        config = str(tmp_path / "mqtt" / "mosquitto.conf").encode()
        left = [p for p in Path("/proc").glob("[0-9]*") if config in _cmdline(p)]
        assert left == [], "serve stopped but left its broker running"
    else:
        assert "MQTT ingest is off: no Mosquitto" in output, output


def _cmdline(process: Path) -> bytes:
    try:
        return (process / "cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


def test_every_import_source_is_documented():
    for source in SOURCES:
        assert f"samverkan import {source}" in README, source


def cli_commands() -> list[str]:
    """Every command of the CLI as typed: ``samverkan import cordis``, ``samverkan tenant list``
    …; a command whose first argument is a choice has each choice as a subcommand
    (``samverkan sync calls``, ``samverkan show hub``)."""
    import click

    from samverkan.cli import main

    def walk(command: click.Command, words: list[str]) -> list[str]:
        if isinstance(command, click.Group):
            return [line for name, sub in command.commands.items() for line in walk(sub, [*words, name])]
        first = next((p for p in command.params if isinstance(p, click.Argument)), None)
        if first is not None and isinstance(first.type, click.Choice):
            return [" ".join([*words, str(choice)]) for choice in first.type.choices]
        return [" ".join(words)]

    return walk(main, ["samverkan"])


def documented_commands(text: str) -> set[str]:
    """The command lines the README shows, alternatives spelt out:
    ``samverkan sync calls\\|cordis ID`` → ``samverkan sync calls ID``, ``samverkan sync cordis ID``."""
    found: set[str] = set()
    for match in re.finditer(r"samverkan((?: [a-z][\w-]*(?:\|[a-z][\w-]*)*)+)", text.replace("\\|", "|")):
        lines = ["samverkan"]
        for word in match.group(1).split():
            lines = [f"{line} {choice}" for line in lines for choice in word.split("|")]
        found.update(lines)
    return found


def test_every_command_and_subcommand_is_in_the_readme():
    commands = cli_commands()
    assert "samverkan sync calls" in commands and "samverkan tenant list" in commands
    documented = documented_commands(README)
    missing = [c for c in commands if not any(d == c or d.startswith(c + " ") for d in documented)]
    assert not missing, f"commands missing from README.md: {missing}"
    assert documented_commands("`samverkan sync calls\\|all [--json]`") == {
        "samverkan sync calls",
        "samverkan sync all",
    }
