"""The ``samverkan`` command line: a thin adapter over :class:`samverkan.core.Samverkan`."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

import click

from samverkan.console import Context, pass_context, progress_bar, user_errors
from samverkan.core import Samverkan
from samverkan.importers import SOURCES, input_size
from samverkan.search import KINDS
from samverkan.settings import Settings, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db", envvar="SAMVERKAN_DB", help="Database URL (default: an embedded SQLite file in your data folder)."
)
@click.version_option(package_name="samverkan")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """samverkan — find EU platforms, hubs, calls, partners and solutions for your need."""
    ctx.obj = Context(db)
    ctx.call_on_close(ctx.obj.close)


@main.group("import")
def import_group() -> None:
    """Import a data source into the catalogue (idempotent: re-importing changes nothing)."""


def _make_import_command(source: str, description: str) -> click.Command:
    optional = source == "platforms"

    @click.command(source, help=f"Import {description}.")
    @click.argument("path", type=click.Path(path_type=Path), required=not optional)
    @click.option(
        "--skip-invalid", is_flag=True, help="Import the valid rows and list the rejected ones instead of failing."
    )
    @click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="The day the file's data was true (its export date), for records that carry no date of their own.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
    @pass_context
    def command(obj: Context, path: Path | None, skip_invalid: bool, as_of: dt.datetime | None, as_json: bool) -> None:
        with user_errors():
            if path is None:
                from samverkan.importers.platforms import bundled_path

                path = bundled_path()
            with progress_bar(f"import {source}", input_size(path)) as advance:
                report = obj.app.import_source(
                    source, path, progress=advance, skip_invalid=skip_invalid, as_of=as_of.date() if as_of else None
                )
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False) if as_json else report.render())
        if report.changed:
            _prepare_search(obj)

    return command


def _prepare_search(obj: Context) -> None:
    """After the catalogue or its vectors changed: build the new revision's snapshot now and
    write it, so that the next command or server maps it instead of building it."""
    if obj.app.settings.snapshot_folder is None:
        return
    started = time.perf_counter()
    with user_errors():
        obj.app.prepare_snapshot()
    click.echo(f"search prepared for the new catalogue revision in {time.perf_counter() - started:.1f} s", err=True)


for _source, (_module, _description) in SOURCES.items():
    import_group.add_command(_make_import_command(_source, _description))


@main.command()
@click.option("--force", is_flag=True, help="Import again even if this demo version is loaded.")
@pass_context
def demo(obj: Context, force: bool) -> None:
    """Load the bundled demo catalogue (real public data) into the database."""
    from samverkan.demo import load_demo

    with user_errors():
        reports = load_demo(obj.app, progress=progress_bar, force=force)
    if not reports:
        click.echo("demo data already loaded")
    for report in reports:
        click.echo(report.render())
    if reports:
        tenants = obj.app.dataspace.tenants()
        click.echo(f"data space: {len(tenants)} demo tenants ({', '.join(t['tenant'] for t in tenants)})")


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Web processes on the port (default 1, or SAMVERKAN_WORKERS); more than one needs PostgreSQL.",
)
@click.option("--demo", "with_demo", is_flag=True, help="Load the bundled demo data first (once).")
@click.option(
    "--mqtt-port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Port of the MQTT broker for devices (default 1884; 0: none). Asked for here or by "
    "SAMVERKAN_MQTT_PORT, MQTT must start or serve stops.",
)
@pass_context
def serve(
    obj: Context, host: str | None, port: int | None, workers: int | None, with_demo: bool, mqtt_port: int | None
) -> None:
    """Run the web app and API."""
    import uvicorn

    from samverkan.web import create_app
    from samverkan.web.workers import start_warm_up

    with user_errors():
        settings = load_settings(db=obj.db, host=host, port=port, workers=workers, mqtt_port=mqtt_port)
        app = Samverkan(settings)
        _ = app.engine  # the database migrates here, once, before any worker starts
        if with_demo:
            from samverkan.demo import load_demo

            for report in load_demo(app, progress=progress_bar):
                click.echo(report.render(), err=True)
    processes = _web_processes(settings)
    if processes == 1:  # the first searches need the indexes: build them while the server starts answering
        start_warm_up(app)
    # the broker and the scheduled sync run here, in this process only, whatever the workers
    broker = _start_mqtt(app, settings)
    stops = [broker.stop] if broker is not None else []
    if settings.mail_every_seconds:
        from samverkan.mail import Postman

        postman = Postman(app.engine, settings, settings.mail_every_seconds)
        postman.start()
        stops.append(postman.stop)
        where_mail = f"SMTP {settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else settings.mail_folder
        click.echo(f"e-mail: sent every {settings.mail_every_seconds:g} s to {where_mail}", err=True)
    if settings.sync_every_hours:
        from samverkan.sync import Scheduler

        scheduler = Scheduler(app.engine, settings, settings.sync_every_hours, after=app.prepare_snapshot)
        scheduler.start()
        stops.append(scheduler.stop)
        click.echo(
            f"syncing the catalogue every {settings.sync_every_hours:g} h (SAMVERKAN_SYNC_EVERY_HOURS)", err=True
        )
    from samverkan.digests.scheduler import DigestScheduler

    digests = DigestScheduler(app)  # hourly: composes the digests that are due, delivers the outbox
    digests.start()
    stops.append(digests.stop)
    where = f"samverkan on http://{settings.host}:{settings.port}/ (database {settings.db})"
    # on SIGTERM, requests in flight get a few seconds, then the server stops anyway
    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "timeout_graceful_shutdown": 5}
    options["log_level"] = "info"
    if processes == 1:
        # stopped by the app's shutdown: uvicorn ends the process by re-raising the signal it caught
        web = create_app(settings, app=app, on_shutdown=stops)
        click.echo(where, err=True)
        try:
            uvicorn.run(web, **options)
        finally:  # e.g. the port was taken (stopping twice is harmless)
            if broker is not None:
                broker.stop()
        return
    # uvicorn's parent process spawns the workers, each building its app from the environment,
    # and returns once they have stopped (SIGTERM, SIGINT): then the broker and the sync stop
    os.environ.update(settings.environment())
    click.echo(f"{where}, {processes} web workers", err=True)
    try:
        uvicorn.run(
            "samverkan.web.workers:create_worker_app",
            factory=True,
            workers=processes,
            # a worker reading a large snapshot may hold the GIL for seconds: not hung, not to be killed
            timeout_worker_healthcheck=60,
            **options,
        )
    finally:
        for stop in stops:
            stop()


def _web_processes(settings: Settings) -> int:
    """How many web processes serve: ``settings.workers``, but one on SQLite (said why)."""
    if settings.workers > 1 and settings.db.startswith("sqlite"):
        click.echo(
            f"serving with one web process, not {settings.workers} (--workers, SAMVERKAN_WORKERS): SQLite takes "
            "one writer at a time and the data space writes to it on every ingest (HTTP and MQTT); "
            "several workers need PostgreSQL",
            err=True,
        )
        return 1
    return settings.workers


def _start_mqtt(app: Samverkan, settings: Settings) -> Any:
    """Start the MQTT broker and ingester for ``serve``. Without Mosquitto, or with its port
    taken, say why and serve HTTP only — or stop, if MQTT was asked for explicitly
    (``--mqtt-port`` or ``SAMVERKAN_MQTT_PORT``)."""
    from samverkan.dataspace.broker import MOSQUITTO, BrokerError
    from samverkan.dataspace.mqtt import MqttService

    if not settings.mqtt_port:
        return None
    explicit = "mqtt_port" in settings.model_fields_set

    def off(reason: str) -> None:
        if explicit:
            raise click.ClickException(f"MQTT on port {settings.mqtt_port} was asked for but cannot start: {reason}")
        click.echo(f"MQTT ingest is off: {reason}; HTTP ingest works", err=True)

    if not MOSQUITTO.exists():
        off(f"no Mosquitto at {MOSQUITTO} (Debian package 'mosquitto')")
        return None
    service = MqttService(
        app.engine,
        settings.mqtt_runtime_dir,
        settings.mqtt_port,
        settings.host,
        limits=settings.limits(),
        dead_letters_kept=settings.mqtt_dead_letters,
    )
    try:
        service.start()
    except (BrokerError, OSError) as exc:
        off(str(exc).strip())
        return None
    where = f"mqtt://{settings.host}:{settings.mqtt_port}"
    click.echo(f"MQTT devices: {where}, topics v1.1/Datastreams(ID)/Observations", err=True)
    return service


@main.command()
@click.argument("text")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of record (default: every kind, grouped).")
@click.option(
    "--status",
    type=click.Choice(["current", "open", "forthcoming", "closed", "all"]),
    default="current",
    show_default=True,
    help="Calls: their status today (SAMVERKAN_TODAY), from their dates; current = open now, then opening later.",
)
@click.option("--limit", default=10, show_default=True, type=int)
@click.option("--programme", help='Calls and projects: programme name, e.g. "Horizon Europe".')
@click.option("--deadline-from", type=click.DateTime(["%Y-%m-%d"]), help="Calls: deadline on or after (YYYY-MM-DD).")
@click.option("--deadline-to", type=click.DateTime(["%Y-%m-%d"]), help="Calls: deadline on or before (YYYY-MM-DD).")
@click.option("--country", help="Organisations, hubs, solutions: two-letter country code.")
@click.option("--region", help="Organisations, hubs: NUTS 2021 region of any level (SE, SE2, SE23, SE232).")
@click.option("--org-type", type=click.Choice(["HES", "REC", "PRC", "PUB", "OTH"], case_sensitive=False),
              help="Organisations: activity type.")  # fmt: skip
@click.option("--sme/--not-sme", default=None, help="Organisations: only SMEs, or only non-SMEs.")
@click.option("--hub-type", type=click.Choice(["EDIH", "SoE", "DIH"], case_sensitive=False),
              help="Hubs: European Digital Innovation Hub, Seal of Excellence or other hub.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as the API does).")
@pass_context
def search(
    obj: Context,
    text: str,
    kind: str | None,
    status: str,
    limit: int,
    as_json: bool,
    deadline_from: dt.datetime | None,
    deadline_to: dt.datetime | None,
    **filters: Any,
) -> None:
    """Search the catalogue."""
    from samverkan.search.filters import Filters

    with user_errors():
        chosen = Filters(
            **filters,
            deadline_from=deadline_from.date() if deadline_from else None,
            deadline_to=deadline_to.date() if deadline_to else None,
        )
        answer = obj.app.search(text, kind=kind, status=status, limit=limit, filters=chosen)
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    if not answer["results"]:
        click.echo("no results")
    for r in answer["results"]:
        click.echo(f"{r['kind']:<13}{r['id']:<36}{r['score']:>8.2f}  {r['title']}")
        click.echo(f"{'':<13}{r['why']}")


@main.command()
@click.option("--call", help="Topic id of the call.")
@click.option("--text", help="The need, in Swedish or English.")
@click.option("--with", "members", multiple=True, help="Organisation already in the team (repeat; the first leads).")
@click.option("--limit", default=20, show_default=True, type=int)
@click.option("--country", help="Only this country (two-letter code).")
@click.option("--region", help="Only this NUTS 2021 region, with its subregions.")
@click.option("--org-type", type=click.Choice(["HES", "REC", "PRC", "PUB", "OTH"], case_sensitive=False),
              help="Only this activity type.")  # fmt: skip
@click.option("--sme/--not-sme", default=None, help="Only SMEs, or only non-SMEs.")
@click.option("--coordinated/--never-coordinated", default=None, help="Only organisations that have (not) coordinated.")
@click.option("--active-since", type=int, help="Only organisations in a project that started in or after this year.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as the API does).")
@pass_context
def partners(
    obj: Context,
    call: str | None,
    text: str | None,
    members: tuple[str, ...],
    limit: int,
    as_json: bool,
    **filters: Any,
) -> None:
    """Suggest partners for a call and/or a need, given the team so far."""
    from samverkan.match.partners import PartnerFilters

    with user_errors():
        answer = obj.app.partners(call, text, list(members), limit, PartnerFilters(**filters))
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    if not answer["results"]:
        click.echo("no partners found")
    for r in answer["results"]:
        click.echo(f"{r['id']:<34}{r['country'] or '':<4}{r['activity_type'] or '':<5}{r['score']:>7.2f}  {r['name']}")
        click.echo(f"{'':<34}{r['why']}")


@main.command()
@click.option("--call", required=True, help="Topic id of the call.")
@click.option("--lead", required=True, help="The lead organisation's id.")
@click.option("--lock", "locked", multiple=True, help="Organisation that must stay in the team (repeat).")
@click.option("--drop", "dropped", multiple=True, help="Organisation never to propose (repeat).")
@click.option("--size", type=int, help="Members wanted (default: typical for the type of action).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as the API does).")
@pass_context
def consortium(
    obj: Context,
    call: str,
    lead: str,
    locked: tuple[str, ...],
    dropped: tuple[str, ...],
    size: int | None,
    as_json: bool,
) -> None:
    """Propose a complete, eligible team for a call around a lead; lock and drop members to rebuild."""
    with user_errors():
        answer = obj.app.consortium(call, lead, list(locked), list(dropped), size)
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    c, rule = answer["call"], answer["rule"]
    click.echo(f"{c['id']} — {c['title']}")
    click.echo(f"{c['type_of_action']}; deadline {c['deadline'] or 'not given'}; status {c['status']}")
    click.echo(f"rule: {rule['text']} ({rule['source']})")
    if rule["restriction"]:
        click.echo(f"      {rule['restriction']}")
    click.echo("")
    for number, m in enumerate(answer["members"], 1):
        sme = " SME" if m["sme"] else ""
        click.echo(f"{number:>2}. {m['name']} ({m['id']}) {m['country'] or '--'} {m['activity_type'] or '---'}{sme}"
                   f" [{m['role']}]")  # fmt: skip
        for fill in m["fills"]:
            click.echo(f"      fills: {fill}")
        click.echo(f"      why: {m['why']}")
        fit = m["on_topic"]
        if fit["similarity"] is not None:
            closest = f"{fit['project']['title']} ({fit['project']['id']})"
            click.echo(f"      on topic: {fit['label']} ({fit['similarity']:.2f}), {fit['near_projects']} project(s)"
                       f" near the call's subject, closest {closest}")  # fmt: skip
    click.echo("")
    marks = {True: "ok  ", False: "MISS", None: "hand"}
    for check in answer["checks"]:
        click.echo(f"[{marks[check['ok']]}] {check['check']}: {check['detail']}")
    for note in answer["notes"]:
        click.echo(f"note: {note}")
    click.echo("eligible" if answer["eligible"] else "NOT eligible yet: see the checks marked MISS")


@main.command()
@click.argument("organisation")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as the API does).")
@pass_context
def profile(obj: Context, organisation: str, as_json: bool) -> None:
    """An organisation's projects, partners over time, countries and fields."""
    with user_errors():
        p = obj.app.profile(organisation)
    if as_json:
        click.echo(json.dumps(p, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{p['name']} ({p['id']}) {p['country'] or '--'} {p['activity_type'] or '---'}{' SME' if p['sme'] else ''}"
    )
    roles = p["roles"]
    click.echo(f"{len(p['projects'])} projects ({roles['coordinator']} coordinated), {p['partner_count']} partners")
    for y in p["years"]:
        click.echo(f"  {y['year']}: {y['projects']:>3} projects, {y['partners']:>4} partners ({y['new_partners']} new)")
    if p["fields"]:
        click.echo("fields: " + "; ".join(f"{f['title']} ({f['projects']})" for f in p["fields"][:8]))
    if p["countries"]:
        click.echo("countries: " + ", ".join(f"{c['country'] or '??'} {c['partners']}" for c in p["countries"][:12]))
    for partner in p["partners"][:10]:
        click.echo(f"  {partner['shared_projects']:>3} × {partner['name']} ({partner['country'] or '--'})")


@main.command("eval-partners")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="dev", show_default=True,
              help="Held-out projects to evaluate on: tune on dev only.")  # fmt: skip
@click.option("--max-cases", type=int, help="Evaluate on an even sample of at most this many projects.")
@click.option("--fit", is_flag=True, help="Tune the signal weights on the dev split and print them.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def eval_partners(obj: Context, split: str, max_cases: int | None, fit: bool, as_json: bool) -> None:
    """Measure the partner finder (recall@20) on held-out consortia, with two baselines."""
    from samverkan.match import evaluate as partner_eval

    model = obj.app.searcher.model if obj.app.settings.search_dense else None
    with user_errors():
        if fit:
            weights = partner_eval.fit(obj.app.engine, model, max_cases, progress=click.echo)
            click.echo(json.dumps(weights, indent=2))
            return
        report = partner_eval.evaluate(
            obj.app.engine, split, model, max_cases, progress=lambda m: click.echo(m, err=True)
        )
    click.echo(json.dumps(report, indent=2) if as_json else partner_eval.render(report))


@main.command()
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice(["call", "call_title", "project", "hub", "platform", "solution"]),
              help="Only these kinds (default: all).")  # fmt: skip
@pass_context
def embed(obj: Context, kinds: tuple[str, ...]) -> None:
    """Compute dense embeddings of new and changed records (resumable; unchanged ones are skipped)."""
    from samverkan.search.dense import TEXTS, E5Embedder, embed_catalogue

    changed = False
    with user_errors():
        embedder = E5Embedder()
        for kind in kinds or tuple(TEXTS):
            with progress_bar(f"embed {kind}", 0) as advance:
                for report in embed_catalogue(obj.app.engine, embedder, [kind], progress=advance):
                    changed = changed or bool(report.embedded or report.removed)
                    click.echo(
                        f"{report.kind:<10} records {report.records:>7,}  embedded {report.embedded:>7,}  "
                        f"unchanged {report.unchanged:>7,}  removed {report.removed:>5,}"
                    )
    if changed:
        _prepare_search(obj)


@main.command("eval")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="dev", show_default=True,
              help="Held-out projects to evaluate on: tune on dev only.")  # fmt: skip
@click.option("--status", type=click.Choice(["all", "closed"]), default="all", show_default=True,
              help="Calls a held-out project is looked up among (its own call is closed).")  # fmt: skip
@click.option("--external", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Needs written outside the team (JSON lines: need_sv, need_en, calls); default bundled")  # fmt: skip
@click.option("--json", "as_json", is_flag=True)
@pass_context
def evaluate(obj: Context, split: str, status: str, external: Path | None, as_json: bool) -> None:
    """Measure the call finder (recall@10, MRR) on held-out projects, the team's Swedish needs and
    needs written outside the team (Swedish and English), each reported apart."""
    from samverkan.search.dense import E5Embedder
    from samverkan.search.evaluate import evaluate as run_evaluation
    from samverkan.search.evaluate import render

    with user_errors():
        report = run_evaluation(
            obj.app.engine,
            split=split,
            embedder=E5Embedder(),
            status=status,
            today=obj.app.settings.current_day(),
            external=external,
        )
    click.echo(json.dumps(report, indent=2) if as_json else render(report))


@main.command()
@click.argument("source", type=click.Choice(["calls", "cordis", "hubs", "all"]))
@click.option("--no-embed", is_flag=True, help="Do not compute embeddings of what changed (run `embed` later).")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@pass_context
def sync(obj: Context, source: str, no_embed: bool, as_json: bool) -> None:
    """Bring the catalogue up to date from the official sources (the addresses are settings).

    Reads only what changed, writes only what changed, resumes where an interrupted sync
    stopped; a source that cannot be reached changes nothing (exit status 1).
    """
    from samverkan.sync import SOURCES, run_sync

    settings = obj.app.settings
    sources = SOURCES if source == "all" else (source,)
    failed, reports = [], []
    for name in sources:
        if source == "all" and name == "hubs" and not settings.sync_hubs_url:
            click.echo("sync hubs: skipped (no SAMVERKAN_SYNC_HUBS_URL)", err=True)
            continue
        try:
            with user_errors():
                report = run_sync(obj.app.engine, settings, name, progress=progress_bar, embed=not no_embed)
        except click.ClickException as exc:
            if source != "all":
                raise
            click.echo(f"sync {name} failed: {exc.message}", err=True)
            failed.append(name)
            continue
        reports.append(report)
        if not as_json:
            click.echo(report.render())
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False))
    if any(r.changed for r in reports):
        _prepare_search(obj)
    if failed:
        raise click.ClickException(f"not synced: {', '.join(failed)}; the catalogue holds what it had for them")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def calls(obj: Context, as_json: bool) -> None:
    """Calls open today and opening later, per programme (the day: SAMVERKAN_TODAY or today)."""
    with user_errors():
        counts = obj.app.call_counts()
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False))
        return
    rows = counts["programmes"]
    width = max([len("programme"), *map(len, rows)])
    click.echo(f"calls on {counts['today']}")
    click.echo(f"{'programme':<{width}}  {'open':>6} {'opening':>8} {'closed':>7}")
    for name, row in rows.items():
        click.echo(f"{name:<{width}}  {row['open']:>6} {row['forthcoming']:>8} {row['closed']:>7}")
    total = {status: sum(row[status] for row in rows.values()) for status in ("open", "forthcoming", "closed")}
    click.echo(f"{'all':<{width}}  {total['open']:>6} {total['forthcoming']:>8} {total['closed']:>7}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def stats(obj: Context, as_json: bool) -> None:
    """Number of records per table."""
    with user_errors():
        counts = obj.app.counts()
    if as_json:
        click.echo(json.dumps(counts))
        return
    for name, n in counts.items():
        click.echo(f"{name:<20}{n:>10,}")


@main.command()
@click.argument(
    "kind",
    type=click.Choice(["call", "organisation", "hub", "platform", "solution", "project", "region", "municipality"]),
)
@click.argument("record_id")
@pass_context
def show(obj: Context, kind: str, record_id: str) -> None:
    """Show one record as JSON."""
    with user_errors():
        record = obj.app.record(kind, record_id)
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


@main.group()
def tenant() -> None:
    """Tenants of the sensor data space and their tokens."""


@tenant.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--organisation", help="Its organisation id in the catalogue (CORDIS organisationID).")
@pass_context
def tenant_create(obj: Context, slug: str, name: str, organisation: str | None) -> None:
    """Create a tenant; prints {"tenant": SLUG, "token": …} with its first (admin) token."""
    with user_errors():
        click.echo(json.dumps(obj.app.dataspace.create_tenant(slug, name, organisation)))


@tenant.command("list")
@pass_context
def tenant_list(obj: Context) -> None:
    """All tenants as JSON lines."""
    with user_errors():
        for row in obj.app.dataspace.tenants():
            click.echo(json.dumps(row, ensure_ascii=False))


@tenant.command("token")
@click.argument("slug")
@click.option("--scope", type=click.Choice(["read", "write", "admin"]), default="read", show_default=True)
@click.option("--label", help="A note to recognise the token by.")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), help="Lifetime in days (default: until revoked).")
@pass_context
def tenant_token(obj: Context, slug: str, scope: str, label: str | None, days: float | None) -> None:
    """Make another token for a tenant; the token is printed once and never stored."""
    with user_errors():
        click.echo(json.dumps(obj.app.dataspace.issue_token(None, scope, label, days, slug=slug)))


@tenant.command("tokens")
@click.argument("slug")
@pass_context
def tenant_tokens(obj: Context, slug: str) -> None:
    """A tenant's tokens (without the secrets) as JSON lines."""
    with user_errors():
        for row in obj.app.dataspace.tokens(slug):
            click.echo(json.dumps(row))


@tenant.command("revoke")
@click.argument("slug")
@click.argument("token_id", type=int)
@pass_context
def tenant_revoke(obj: Context, slug: str, token_id: int) -> None:
    """Revoke one of a tenant's tokens (see `tenant tokens` for ids)."""
    with user_errors():
        click.echo(json.dumps(obj.app.dataspace.revoke_token(None, token_id, slug=slug)))


def _community_commands() -> None:
    from samverkan.accounts.commands import COMMANDS as accounts
    from samverkan.digests.commands import COMMANDS as digests
    from samverkan.postings.commands import COMMANDS as postings
    from samverkan.strategy.commands import COMMANDS as strategy

    for command in (*accounts, *postings, *digests, *strategy):
        main.add_command(command)


_community_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
