"""``samverkan digest run [--dry-run] [--json]``, ``samverkan mail send`` and ``mail status``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from samverkan.cli import main
from samverkan.mail import read_folder
from tests.digests.conftest import QUANTUM, add_user, make_app, person


def test_dry_run_writes_nothing_then_a_run_sends_once(demo_copy, tmp_path):
    app = make_app(demo_copy)
    follow = app.digests.create(person(add_user(app, "anna@example.se", "en")), text=QUANTUM, frequency="daily")
    app.close()
    runner = CliRunner()
    env = {"SAMVERKAN_TODAY": "2026-08-14", "SAMVERKAN_MAIL_DIR": str(tmp_path / "mail")}

    def run(*args: str) -> dict:
        result = runner.invoke(main, ["--db", demo_copy, *args], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    dry = run("digest", "run", "--dry-run", "--json")
    assert dry["due"] == 1 and dry["sent"] == 0 and dry["previews"][0]["follow"] == follow["id"]
    assert "call:DIGITAL-JU-EUROHPC-2026-HPCQC-01-IBA:opened" in dry["previews"][0]["items"]
    assert run("mail", "status", "--json") == {"waiting": 0, "sent": 0, "given_up": 0, "failing": []}

    done = run("digest", "run", "--frequency", "daily", "--json")
    assert (done["due"], done["composed"], done["sent"]) == (1, 1, 1)
    assert run("digest", "run", "--json")["due"] == 0
    assert run("mail", "send", "--json") == {"sent": 0, "failed": 0, "errors": []}
    assert run("mail", "status", "--json")["sent"] == 1
    (message,) = read_folder(tmp_path / "mail")
    assert (
        message["To"] == "anna@example.se" and "Calls that opened".upper() in message.get_body(("plain",)).get_content()
    )
    text = runner.invoke(main, ["--db", demo_copy, "mail", "status"], env=env).output
    assert "waiting: 0, sent: 1" in text
