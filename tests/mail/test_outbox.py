"""The outbox: a mail is written once per key, delivered once, over a real SMTP server or to the
mail folder, and one that cannot be delivered stays to be sent later."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan import mail
from samverkan.core import Samverkan
from samverkan.db.community import Outbox
from samverkan.settings import load_settings
from tests.smtp import smtp_server


def _queue(app: Samverkan, key: str, to: str = "anna@example.se") -> bool:
    with Session(app.engine) as session, session.begin():
        return mail.enqueue(
            session, key, to, "Ämne: hej", "Hej Anna!\n", "<p>Hej <b>Anna</b>!</p>", {"List-Id": "<test.samverkan>"}
        )


def test_one_key_one_mail_and_delivered_once_over_smtp(db_url):
    with smtp_server() as (inbox, smtp):
        app = Samverkan(load_settings(db=db_url, **smtp))
        assert _queue(app, "test:1") is True
        assert _queue(app, "test:1") is False  # the same mail again: nothing added
        assert mail.unsent(app.engine) == 1
        assert app.deliver_mail().sent == 1
        assert app.deliver_mail().sent == 0  # a second run sends nothing
        (received,) = inbox.wait_for(1)
        app.close()
    assert received["Subject"] == "Ämne: hej"
    assert received["List-Id"] == "<test.samverkan>"
    assert received.get_body(("plain",)).get_content().strip() == "Hej Anna!"
    assert "<b>Anna</b>" in received.get_body(("html",)).get_content()


def test_a_refusing_server_keeps_the_mail_for_later(db_url):
    with smtp_server() as (inbox, smtp):
        app = Samverkan(load_settings(db=db_url, **smtp))
        _queue(app, "test:a")
        _queue(app, "test:b")
        inbox.refuse = True
        report = app.deliver_mail()
        assert report.sent == 0 and report.failed == 2
        inbox.refuse = False
        assert app.deliver_mail().sent == 2
        assert len(inbox.wait_for(2)) == 2
        with Session(app.engine) as session:
            assert [r.attempts for r in session.scalars(select(Outbox).order_by(Outbox.id))] == [2, 2]
        app.close()


def test_an_unreachable_server_is_a_clear_error_and_nothing_is_lost(db_url):
    from tests.smtp import free_port

    app = Samverkan(load_settings(db=db_url, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none"))
    _queue(app, "test:x")
    report = app.deliver_mail()
    assert report.sent == 0 and "cannot reach the SMTP server" in report.errors[0]
    assert mail.unsent(app.engine) == 1
    app.close()


def test_without_a_server_mail_is_written_to_the_folder(db_url, tmp_path):
    app = Samverkan(load_settings(db=db_url, mail_dir=tmp_path / "mail"))
    _queue(app, "test:folder")
    assert app.deliver_mail().sent == 1
    (written,) = mail.read_folder(tmp_path / "mail")
    assert written["To"] == "anna@example.se"
    assert not list((tmp_path / "mail").glob(".*.tmp"))
    app.close()


def test_header_injection_and_bad_addresses_are_refused(db_url):
    import pytest

    from samverkan.errors import SamverkanError

    app = Samverkan(load_settings(db=db_url))
    with Session(app.engine) as session:
        with pytest.raises(SamverkanError, match="e-mail address"):
            mail.enqueue(session, "k1", "anna@example.se\nBcc: eve@evil.example", "s", "t")
        with pytest.raises(SamverkanError, match="line break"):
            mail.enqueue(session, "k2", "anna@example.se", "s\r\nBcc: eve@evil.example", "t")
    app.close()


def test_the_server_key_is_made_once_and_shared(db_url):
    one = Samverkan(load_settings(db=db_url))
    two = Samverkan(load_settings(db=db_url))
    signature = one.signer("unsubscribe").sign("follow:7")
    assert two.signer("unsubscribe").valid("follow:7", signature)
    assert not two.signer("other purpose").valid("follow:7", signature)
    assert not two.signer("unsubscribe").valid("follow:8", signature)
    one.close()
    two.close()


def test_the_postman_delivers_what_is_queued_while_it_runs(db_url):
    import time

    with smtp_server() as (inbox, smtp):
        app = Samverkan(load_settings(db=db_url, **smtp))
        postman = mail.Postman(app.engine, app.settings, 0.05)
        postman.start()
        try:
            _queue(app, "test:postman")
            (received,) = inbox.wait_for(1)
            deadline = time.monotonic() + 5
            while mail.unsent(app.engine) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert mail.unsent(app.engine) == 0
        finally:
            postman.stop()
        app.close()
    assert received["Subject"] == "Ämne: hej"


def test_two_deliverers_at_once_send_each_mail_once(db_url):
    """``serve``'s postman and a command line (``digest run``, ``mail send``) may deliver at the
    same moment: each mail still goes out once."""
    from collections import Counter
    from threading import Barrier, Thread

    from samverkan.db import make_engine

    with smtp_server() as (inbox, smtp):
        settings = load_settings(db=db_url, **smtp)
        app = Samverkan(settings)
        for i in range(30):
            _queue(app, f"test:{i}")
        start = Barrier(2)
        reports: list[mail.Delivery] = []

        def deliverer() -> None:
            engine = make_engine(db_url)  # its own connections, as another process has
            start.wait()
            reports.append(mail.deliver(engine, settings))
            engine.dispose()

        threads = [Thread(target=deliverer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(r.sent for r in reports) == 30 and sum(r.failed for r in reports) == 0
        inbox.wait_for(31, timeout=1)  # one more would be a copy
        app.close()
    sent = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(sent) == 30 and set(sent.values()) == {1}
