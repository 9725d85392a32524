"""Digests: only what is new since the last one, each item once ever, with its reason, in the
reader's language, over a real SMTP server; a withdrawn posting never appears; the one-click
unsubscribe is signed; the private feed is valid Atom and opens with its key only."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.community import DigestItem, Follow, Outbox
from tests.digests.conftest import QUANTUM, add_tenant, add_user, make_app, now, person, publish, withdraw
from tests.smtp import smtp_server

ATOM = "{http://www.w3.org/2005/Atom}"
CALL = "DIGITAL-JU-EUROHPC-2026-HPCQC-01-IBA"  # forthcoming on 12 August 2026, opens on the 13th


def test_a_call_that_opens_comes_once_with_its_reason(demo_copy):
    with smtp_server() as (inbox, smtp):
        day0 = make_app(demo_copy, **smtp)
        anna = add_user(day0, "anna@example.se", "sv")
        follow = day0.digests.create(person(anna), text=QUANTUM, frequency="daily")
        assert day0.digests.run().due == 0  # made today: the first digest is tomorrow's
        day0.close()

        day2 = make_app(demo_copy, today=dt.date(2026, 8, 14), **smtp)
        report = day2.digests.run()
        assert (report.due, report.composed, report.sent, report.failed) == (1, 1, 1, 0), report
        (mail,) = inbox.wait_for(1)
        assert mail["To"] == "anna@example.se"
        assert mail["Subject"].endswith("nya för ”quantum computers integrated in HPC supercomputers”")
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert "UTLYSNINGAR SOM HAR ÖPPNAT" in text and "Integration of European quantum computers" in text
        assert "Matchar era ord: quantum, computers, integrated, hpc, supercomputers" in text
        assert f"http://testserver/calls/{CALL}" in text and f'href="http://testserver/calls/{CALL}"' in html
        unsubscribe = f"http://testserver/unsubscribe/{follow['id']}/"
        assert str(mail["List-Unsubscribe"]).strip().startswith(f"<{unsubscribe}") and unsubscribe in text
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        with Session(day2.engine) as session:
            entry = session.get_one(DigestItem, (follow["id"], f"call:{CALL}:opened")).entry
            assert entry["why"].startswith("matched: quantum") and entry["details"]["deadline"] == "2026-08-27"
            organisations = session.scalar(
                select(func.count()).where(
                    DigestItem.follow_id == follow["id"],
                    DigestItem.item.like("organisation:%"),
                    DigestItem.digest != "",
                )
            )
            assert organisations == 0  # the partners were among the results when the follow was made

        again = day2.digests.run()  # the same period again: nothing
        assert (again.due, again.composed, again.sent) == (0, 0, 0)
        with Session(day2.engine) as session, session.begin():  # even if `since` were lost, no item twice
            session.get_one(Follow, follow["id"]).since = dt.datetime(2026, 8, 12, 6, tzinfo=dt.UTC)
        day2.close()
        day3 = make_app(demo_copy, today=dt.date(2026, 8, 15), **smtp)
        third = day3.digests.run()
        assert third.due == 1 and third.composed == 0 and third.nothing_new == 1 and third.sent == 0
        assert len(inbox.messages) == 1
        with Session(day3.engine) as session:
            assert session.scalar(select(func.count()).select_from(Outbox)) == 1
        day3.close()


def test_a_forthcoming_call_is_announced_once_before_it_opens(demo_copy):
    with smtp_server() as (inbox, smtp):
        app = make_app(demo_copy, today=dt.date(2026, 7, 1), **smtp)  # the call opens in 43 days
        follow = app.digests.create(person(add_user(app, "bo@example.se", "en")), text=QUANTUM, kind="call")
        app.close()
        app = make_app(demo_copy, today=dt.date(2026, 7, 20), **smtp)  # 24 days before it opens
        assert app.digests.run().composed == 1
        (mail,) = inbox.wait_for(1)
        text = mail.get_body(("plain",)).get_content()
        assert "CALLS OPENING SOON" in text and "Opens Aug 13, 2026" in text
        app.close()
        app = make_app(demo_copy, today=dt.date(2026, 8, 3), **smtp)  # still forthcoming: not again
        app.digests.run()
        for later in inbox.messages[1:]:  # (other calls may come soon by then)
            assert "Integration of European quantum computers" not in later.get_body(("plain",)).get_content()
        app.close()
        app = make_app(demo_copy, today=dt.date(2026, 8, 20), **smtp)  # opened: that is news
        assert app.digests.run().composed == 1
        with Session(app.engine) as session:
            keys = set(session.scalars(select(DigestItem.item).where(DigestItem.follow_id == follow["id"])))
        assert {f"call:{CALL}:soon", f"call:{CALL}:opened"} <= keys
        app.close()


def test_new_postings_come_withdrawn_ones_never(demo_copy, tmp_path):
    app = make_app(demo_copy, mail_dir=tmp_path / "mail")
    tenant, _ = add_tenant(app, "vgr")
    anna = add_user(app, "anna@example.se", "sv")
    follow = app.digests.create(person(anna), text="kvantdatorer och HPC i regionen", frequency="daily")
    later = now() + dt.timedelta(minutes=1)
    shown = publish(app, tenant, "need", "Kvantdatorer <script>alert(1)</script> & HPC", "Vi behöver HPC.", later)
    gone = publish(app, tenant, "solution", "Kvantdatorer som tjänst", "HPC och kvantdatorer för regionen.", later)
    kept = publish(app, tenant, "solution", "HPC-tjänst med kvantdatorer", "Kvantdatorer och HPC i regionen.", later)
    other = publish(app, tenant, "need", "Cykelvägar", "Fler cykelvägar i staden.", later)
    withdraw(app, gone)
    app.close()

    app = make_app(demo_copy, today=dt.date(2026, 8, 13), mail_dir=tmp_path / "mail")
    report = app.digests.run()
    assert report.composed == 1, report
    (mail,) = list((tmp_path / "mail").glob("*.eml"))
    raw = mail.read_text()
    from samverkan.mail import read_folder

    (message,) = read_folder(tmp_path / "mail")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Kvantdatorer &lt;script&gt;alert(1)&lt;/script&gt; &amp; HPC" in html and "<script>" not in html
    assert "Kvantdatorer <script>alert(1)</script> & HPC" in text and "NYA BEHOV" in text
    # each posting's own address (p…): a bare number under /solutions/ is a catalogued JRC case
    assert f"http://testserver/needs/p{shown}" in text and f"http://testserver/solutions/p{kept}" in text
    assert "Kvantdatorer som tjänst" not in raw and "Cykelvägar" not in raw
    with Session(app.engine) as session:
        keys = set(session.scalars(select(DigestItem.item).where(DigestItem.digest != "")))
    assert f"need:p{shown}:published" in keys and f"solution:p{gone}:published" not in keys
    assert f"need:p{other}:published" not in keys

    feed = app.digests.feed(follow["feed_key"])
    assert b"Kvantdatorer &lt;script&gt;" in feed
    withdraw(app, shown)  # withdrawn after it was reported: gone from the feed too
    assert b"Kvantdatorer" not in app.digests.feed(follow["feed_key"])
    app.close()


def test_the_feed_is_valid_atom_and_private(web):
    client, app = web
    follow = app.digests.create(person(add_user(app, "anna@example.se")), text=QUANTUM, frequency="daily")
    later = make_app(app.settings.db, today=dt.date(2026, 8, 14), mail_dir=app.settings.mail_folder)
    assert later.digests.run(deliver=False).items >= 1
    later.close()
    client.cookies.clear()
    answer = client.get(f"/feeds/{follow['feed_key']}.atom")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    assert "private" in answer.headers["cache-control"]
    feed = ET.fromstring(answer.content)
    assert feed.tag == f"{ATOM}feed" and feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "sv"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith(f"/feeds/{follow['feed_key']}.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert entries and all(
        e.find(f"{ATOM}{n}") is not None and e.find(f"{ATOM}{n}").text
        for e in entries
        for n in ("id", "title", "updated")
    )
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("tag:testserver,2026-08-12:follow/") for i in ids)
    assert follow["feed_key"] not in "".join(ids)
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert all(dt.datetime.fromisoformat(u.replace("Z", "+00:00")).tzinfo for u in updated)
    assert updated == sorted(updated, reverse=True)
    assert any(
        "Utlysning nu öppen: Integration of European quantum computers" in e.find(f"{ATOM}title").text for e in entries
    )
    for wrong in ("x" * 43, follow["feed_key"][:-1] + ("A" if follow["feed_key"][-1] != "A" else "B"), "%00"):
        assert client.get(f"/feeds/{wrong}.atom").status_code in (400, 404)


def test_one_click_unsubscribe_is_signed_and_stops_the_follow(web):
    client, app = web
    follow = app.digests.create(person(add_user(app, "anna@example.se")), text=QUANTUM, frequency="daily")
    url = app.digests.unsubscribe_url(follow["id"]).removeprefix("http://testserver")
    wrong = url[:-2] + ("AA" if not url.endswith("AA") else "BB")
    other = app.digests.unsubscribe_url(follow["id"] + 1).removeprefix("http://testserver")
    client.cookies.clear()  # no session: the signature is the authority
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, content=b"List-Unsubscribe=One-Click").status_code == 404
    assert client.post(other).status_code == 404  # a signature of another follow (that does not exist)
    page = client.get(url)  # a confirm page with a button: opening the link stops nothing
    assert page.status_code == 200 and f'action="{url}"' in page.text
    assert app.digests.get(person(_owner(app, follow["id"])), follow["id"])["active"] is True
    answer = client.post(
        url, content=b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 200 and answer.text == "unsubscribed\n"
    assert app.digests.get(person(_owner(app, follow["id"])), follow["id"])["active"] is False
    assert client.post(url).status_code == 200  # again: still stopped, no error
    later = make_app(app.settings.db, today=dt.date(2026, 8, 20))
    assert later.digests.run(deliver=False).due == 0  # a stopped follow has no digest
    later.close()


def _owner(app, follow_id: int) -> int:
    with Session(app.engine) as session:
        return session.get_one(Follow, follow_id).user_id


def test_a_country_filter_takes_postings_from_regions_of_that_country_as_nuts_spells_it(demo_copy, tmp_path):
    app = make_app(demo_copy, mail_dir=tmp_path / "mail")
    tenant, _ = add_tenant(app, "vgr")
    anna = add_user(app, "anna@example.se", "sv")
    gb = {"country": "GB"}
    british = app.digests.create(person(anna), text="kvantdatorer och HPC", filters=gb, frequency="daily")
    later = now() + dt.timedelta(minutes=1)
    london = publish(app, tenant, "need", "Kvantdatorer i London", "Vi behöver HPC och kvantdatorer.", later, "UKI3")
    athens = publish(app, tenant, "need", "Kvantdatorer i Aten", "Vi behöver HPC och kvantdatorer.", later, "EL30")
    app.close()

    app = make_app(demo_copy, today=dt.date(2026, 8, 13), mail_dir=tmp_path / "mail")
    app.digests.run()
    with Session(app.engine) as session:
        keys = set(session.scalars(select(DigestItem.item).where(DigestItem.follow_id == british["id"])))
    assert f"need:p{london}:published" in keys and f"need:p{athens}:published" not in keys  # UK is GB, EL is not
    app.close()
