"""The newsletter that writes itself: nr 9 of the demo strategy is drafted from the board
(what is new since nr 8), edited, sent to the subscribers over a real SMTP server once, and
archived as a page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.db.community import Newsletter, Outbox, Strategy
from samverkan.db.dataspace import Tenant
from samverkan.settings import load_settings
from samverkan.strategy.demo import publish_need
from samverkan.strategy.mailing import subscribers
from samverkan.web import create_app
from tests.conftest import TESTSERVER
from tests.smtp import smtp_server
from tests.strategy.conftest import CSRF, SLUG, acting, organisation, person

API = f"/api/v1/strategies/{SLUG}"
AREAS = 5


def _editor_token(engine) -> dict[str, str]:
    from samverkan.dataspace.tenants import issue_token

    with Session(engine) as session, session.begin():
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "vgr"))
        token, _ = issue_token(session, tenant, "write")
    return {"Authorization": f"Bearer {token}"}


def _initiative(client: TestClient, title: str) -> dict:
    board = client.get(f"{API}?opportunities=0").json()
    found = [i for a in board["focus_areas"] for p in (a, *a["sub_areas"]) for i in p["initiatives"]]
    return next(i for i in found if i["title"] == title)


def test_a_draft_reports_what_is_new_since_the_last_number(demo_strategy):
    web = create_app(load_settings(db=demo_strategy, public_url=TESTSERVER))
    engine = web.state.samverkan.engine
    editor = _editor_token(engine)
    _, tokens = organisation(engine, "annan-region")
    outsider = {"Authorization": tokens["admin"]}
    with TestClient(web) as client:
        smart = _initiative(client, "Smart region Västra Götaland")
        assert client.post(
            f"{API}/initiatives/{smart['id']}/updates",
            json={"text": "Upphandlingen av IoT-plattformen är klar.", "on": "2026-06-01"}, headers=editor,
        ).status_code == 201  # fmt: skip
        decided = client.post(
            f"{API}/decisions",
            json={"body": "Regionutvecklingsnämnden", "on": "2026-06-10", "title": "Smart region, etapp 2",
                  "amount": 12500000, "currency": "SEK", "initiative_id": smart["id"], "document": "4000001.PDF"},
            headers=editor,
        ).json()  # fmt: skip
        with Session(engine) as session, session.begin():  # a need of another organisation, in the region
            town = session.scalar(select(Tenant.id).where(Tenant.slug == "annan-region"))
            moment = dt.datetime.now(dt.UTC)
            publish_need(
                session, town, "Sensorer i kommunens lokaler", "Vi vill mäta inomhusklimat.", "SE2321", "X", moment
            )
            publish_need(session, town, "Utanför regionen", "Något i Skåne.", "SE224", "X", moment)

        assert client.post(f"{API}/newsletters", headers=outsider).status_code == 403
        made = client.post(f"{API}/newsletters", headers=editor)
        assert made.status_code == 201, made.text
        draft = made.json()
        assert (draft["number"], draft["status"], draft["period_from"]) == (9, "draft", "2023-09-05")
        assert draft["title"] == "Uppdatering från Västsvensk kraftsamling digitalisering nr 9"
        assert draft["content"]["since_number"] == 8
        sections = {s["key"]: s["items"] for s in draft["content"]["sections"]}
        assert list(sections) == ["status", "decisions", "calls", "postings"]
        # status: only the initiative updated since nr 8, with that update only
        (status,) = sections["status"]
        assert status["title"] == "Smart region Västra Götaland"
        assert [u["text"] for u in status["updates"]] == ["Upphandlingen av IoT-plattformen är klar."]
        # decisions: only the one taken since nr 8 (nr 8's six are not repeated)
        assert [d["decision_id"] for d in sections["decisions"]] == [decided["id"]]
        # calls: per focus area, open or coming, each with its reasons
        groups = [c["group"] for c in sections["calls"]]
        assert len(dict.fromkeys(groups)) == AREAS and len(groups) == 5 * AREAS
        assert all(c["status"] in ("open", "forthcoming") and c["reasons"] for c in sections["calls"])
        assert all(c["deadline"] is None or c["deadline"][:10] >= "2026-08-12" for c in sections["calls"])
        # needs and solutions published in the region since nr 8: the demo's ten and the town's
        titles = [p["title"] for p in sections["postings"]]
        assert len(titles) == 11 and "Sensorer i kommunens lokaler" in titles and "Utanför regionen" not in titles
        # asking again gives the open draft; the public and other organisations do not see it
        again = client.post(f"{API}/newsletters", headers=editor)
        assert again.status_code == 200 and again.json()["number"] == 9
        assert client.get(f"{API}/newsletters/9").status_code == 404
        assert client.get(f"{API}/newsletters/9", headers=outsider).status_code == 404
        assert client.get(f"/strategies/{SLUG}/newsletters/9").status_code == 404
        assert [n["number"] for n in client.get(f"{API}/newsletters").json()["newsletters"]] == [8, 2]
        assert [n["number"] for n in client.get(f"{API}/newsletters", headers=editor).json()["newsletters"]] == [
            9,
            8,
            2,
        ]
        page = client.get(f"{API}/newsletters/9", headers=editor)
        assert page.status_code == 200
        # regenerating after another decision takes it in
        client.post(f"{API}/decisions", json={"body": "Kulturnämnden", "on": "2026-07-01", "title": "Digidel 2026"},
                    headers=editor)  # fmt: skip
        fresh = client.post(f"{API}/newsletters", json={"regenerate": True}, headers=editor).json()
        assert fresh["number"] == 9 and len(fresh["content"]["sections"][1]["items"]) == 2
    web.state.samverkan.close()


def test_edit_then_send_one_mail_per_subscriber_once(demo_strategy):
    with smtp_server() as (inbox, smtp):
        web = create_app(load_settings(db=demo_strategy, public_url=TESTSERVER, **smtp))
        app = web.state.samverkan
        engine = app.engine
        editor_token = _editor_token(engine)
        with Session(engine) as session:
            vgr = session.scalar(select(Tenant.id).where(Tenant.slug == "vgr"))
        anna = person(engine, "anna@example.se", language="sv")
        bert = person(engine, "bert@example.com", language="en")
        unconfirmed = person(engine, "cecilia@example.se", confirmed=False)
        gone = person(engine, "david@example.se")
        editor = person(engine, "redaktor@vgregion.example", {vgr: "editor"})
        with TestClient(web) as client:
            for who in (anna, bert, unconfirmed, gone):
                acting(web, who)
                assert client.put(f"{API}/subscription").json()["subscribed"] is True
            assert client.put(f"{API}/subscription").status_code == 200  # twice: still one follow
            acting(web, gone)
            assert client.delete(f"{API}/subscription").json()["subscribed"] is False
            acting(web, None)
            assert client.put(f"{API}/subscription").status_code == 401
            web.dependency_overrides.clear()
            assert client.put(f"{API}/subscription", headers=editor_token).status_code == 403  # a token has no address

            client.post(f"{API}/decisions", headers=editor_token, json={
                "body": "Miljö- och regionutvecklingsnämnden", "on": "2026-06-10", "title": "Industry in West, etapp 2",
                "amount": 34600000, "currency": "SEK", "text": "<script>alert('x')</script>"})  # fmt: skip
            draft = client.post(f"{API}/newsletters", headers=editor_token).json()
            calls = next(s for s in draft["content"]["sections"] if s["key"] == "calls")["items"]
            dropped = calls[0]
            # the editor changes the draft on its page (a form with its CSRF token)
            acting(web, editor, {vgr: "editor"})
            form = {
                "csrf": CSRF,
                "title": draft["title"],
                "intro": "Hej alla! Här är nummer nio.",
                "closing": "Hör av er!",
                "heading_decisions": "",
                "text_decisions": "Nya beslut i nämnderna:",
                "remove": [dropped["id"]],
            }
            assert client.post(f"/strategies/{SLUG}/newsletters/9", data={**form, "csrf": "fel"}).status_code == 403
            edited = client.post(f"/strategies/{SLUG}/newsletters/9", data=form)
            assert edited.status_code == 200 and "Hej alla! Här är nummer nio." in edited.text
            # and through the API: a wrong item to remove names the field
            wrong = client.patch(f"{API}/newsletters/9", json={"remove": ["call:0:nope"]}, headers=editor_token)
            assert wrong.status_code == 400 and wrong.json()["detail"].startswith("remove[0]:")

            sent = client.post(f"/strategies/{SLUG}/newsletters/9/send", data={"csrf": CSRF}, follow_redirects=False)
            assert sent.status_code == 303
            assert app.deliver_mail().sent == 2
            received = inbox.wait_for(2)
            assert sorted(r for rs in inbox.recipients for r in rs) == ["anna@example.se", "bert@example.com"]

            # sending again writes and delivers nothing
            again = client.post(f"{API}/newsletters/9/send", headers=editor_token).json()
            assert again == {"number": 9, "enqueued": 0, "already_sent": True, "sent_at": again["sent_at"]}
            assert app.deliver_mail().sent == 0
            with Session(engine) as session:
                number = session.scalar(select(Newsletter.id).where(Newsletter.number == 9))
                keys = session.scalars(select(Outbox.key).where(Outbox.key.like("newsletter:%"))).all()
            assert sorted(keys) == sorted(f"newsletter:{number}:{user}" for user in (anna, bert))
            assert (
                client.patch(f"{API}/newsletters/9", json={"intro": "för sent"}, headers=editor_token).status_code
                == 409
            )

            mail = received[0]
            assert mail["Subject"] == "Uppdatering från Västsvensk kraftsamling digitalisering nr 9"
            text = mail.get_body(("plain",)).get_content()
            html = mail.get_body(("html",)).get_content()
            for part in (text, html):
                assert "Hej alla! Här är nummer nio." in part and "Hör av er!" in part
                assert "Statusuppdatering" in part and "Öppna och kommande utlysningar per fokusområde" in part
                assert "34,6 miljoner kr" in part and "Nya beslut i nämnderna:" in part
                assert dropped["title"] not in part
                assert f"{TESTSERVER}/strategies/{SLUG}/newsletters/9" in part
            assert "<script>alert" not in html and "&lt;script&gt;" in html
            unsubscribe = mail["List-Unsubscribe"].strip("<>")
            assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

            # the archived page, for everyone
            acting(web, None)
            page = client.get(f"/strategies/{SLUG}/newsletters/9?lang=sv")
            assert (
                page.status_code == 200
                and "Hej alla! Här är nummer nio." in page.text
                and "Redigera utkastet" not in page.text
            )
            assert "<script>alert" not in page.text
            assert [n["number"] for n in client.get(f"{API}/newsletters").json()["newsletters"]] == [9, 8, 2]
            assert client.get(f"{API}?opportunities=0").json()["last_newsletter"]["number"] == 9

            # one click unsubscribes, with the signed link only
            link = urlsplit(unsubscribe)
            assert client.get(f"{link.path}?{link.query}").status_code == 200  # a page with a button, nothing done
            forged = link.query.replace("sig=", "sig=x")
            assert client.post(f"{link.path}?{forged}").status_code == 400
            assert client.post(f"{link.path}?{link.query}").status_code == 200
            with Session(engine) as session:
                strategy = session.scalar(select(Strategy.id).where(Strategy.slug == SLUG))
                left = [user.email for _, user in subscribers(session, strategy)]
            assert left == ["bert@example.com"]  # anna's link was used; cecilia is unconfirmed, david left
        app.close()


def test_the_command_line_drafts_and_sends_once(demo_strategy, tmp_path):
    from click.testing import CliRunner

    from samverkan.cli import main

    runner = CliRunner(env={"SAMVERKAN_MAIL_DIR": str(tmp_path / "mail")})
    made = runner.invoke(main, ["--db", demo_strategy, "newsletter", "draft", SLUG])
    assert made.exit_code == 0 and "made: nr 9" in made.output, made.output
    engine_app = create_app(load_settings(db=demo_strategy))
    person(engine_app.state.samverkan.engine, "anna@example.se")
    engine_app.state.samverkan.close()
    sent = runner.invoke(main, ["--db", demo_strategy, "newsletter", "send", SLUG, "9"])
    assert sent.exit_code == 0 and "nr 9 sent: 0 e-mails" in sent.output, sent.output  # nobody subscribes yet
    again = runner.invoke(main, ["--db", demo_strategy, "newsletter", "send", SLUG, "9"])
    assert "was sent before" in again.output
    assert runner.invoke(main, ["--db", demo_strategy, "newsletter", "send", SLUG, "12"]).exit_code == 1
