"""Entity pages: call, organisation, hub, platform and working groups, project. Each page is
built from the same library call as its JSON counterpart. A solution's page (a catalogued JRC
case or a published solution, with its matches) is in ``web/views/postings.py``."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from samverkan.web import charts
from samverkan.web.deps import Core
from samverkan.web.i18n import translations
from samverkan.web.network import partner_network
from samverkan.web.sections import sections
from samverkan.web.templating import entity_url, language, render

router = APIRouter(include_in_schema=False)

NETWORK_PARTNERS = 12  # partners drawn on an organisation's network graph (its closest)

# the tables behind the charts: one list of columns serves the page's table and its CSV
YEAR_COLUMNS = ["year", "projects", "coordinated", "partners", "new_partners"]
COUNTRY_COLUMNS = ["country", "partners", "projects"]
PARTICIPATION_COLUMNS = ["year", "participations", "coordinated"]
PROJECT_COLUMNS = ["id", "acronym", "title", "year", "role", "type_of_action", "partners"]
PROJECTS_SHOWN = 50  # an organisation's newest projects listed on its page; all in projects.csv


def table(records: list[dict[str, Any]], columns: list[str], missing: str = "") -> list[list[Any]]:
    """One row per record, the ``columns`` in order, ``missing`` for an empty value."""
    return [[missing if r[c] is None else r[c] for c in columns] for r in records]


def csv_response(filename: str, header: list[str], rows: list[list[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _countries_map(app: Core, counts: dict[str, int], title: str, description: str, unit: str) -> Any:
    shapes = await run_in_threadpool(app.shapes, 0)
    return charts.choropleth(shapes, counts, title, description, unit)


@router.get("/calls/{call_id:path}", response_class=HTMLResponse)
async def call(request: Request, call_id: str, app: Core) -> HTMLResponse:
    _ = translations(language(request)).gettext
    page = await run_in_threadpool(app.call_page, call_id)
    countries: dict[str, int] = {}
    for p in page["partners"]:
        if p.get("country"):
            countries[p["country"]] = countries.get(p["country"], 0) + 1
    partner_map = await _countries_map(
        app,
        countries,
        _("Where the suggested partners are"),
        _("Map of Europe: number of suggested partners per country."),
        _("partners"),
    )
    funded_chart = charts.columns(
        [(str(y["year"]) if y["year"] else _("no date"), y["projects"]) for y in page["funded_per_year"]],
        _("Funded projects per start year"),
        _("Column chart: number of projects the call funded, by the year they started."),
    )
    context = {
        "call": page,
        "sections": sections(page["description"]),
        "partner_map": partner_map,
        "funded_chart": funded_chart,  # with its table: funded_rows (year, projects)
        "funded_rows": [[y["year"] or _("no date"), y["projects"]] for y in page["funded_per_year"]],
    }
    return render(request, "call.html", context)


@router.get("/organisations/{organisation_id}", response_class=HTMLResponse)
async def organisation(request: Request, organisation_id: str, app: Core) -> HTMLResponse:
    _ = translations(language(request)).gettext
    profile = await run_in_threadpool(app.profile, organisation_id)
    years = [(str(y["year"]), y["projects"]) for y in profile["years"]]
    over_time = charts.columns(
        years, _("EU projects per year"), _("Number of EU projects started each year, by start year.")
    )
    partner_map = await _countries_map(
        app,
        {c["country"]: c["partners"] for c in profile["countries"] if c["country"]},
        _("Countries worked with"),
        _("Map of Europe: number of partner organisations per country."),
        _("partners"),
    )
    closest = profile["partners"][:NETWORK_PARTNERS]
    links = await run_in_threadpool(app.partner_links, organisation_id, [p["id"] for p in closest])
    names = {p["id"]: p["name"] for p in closest}
    network = partner_network(
        profile["short_name"] or profile["name"],
        [(p["id"], p["name"], p["country"], p["shared_projects"]) for p in closest],
        links,
        _("Partner network"),
        _("Graph: the organisation in the middle, its closest partners around it (line width: shared projects), "
          "and lines between partners that worked together in its projects."),
    )  # fmt: skip
    context = {
        "org": profile,
        "over_time": over_time,
        "partner_map": partner_map,
        "network": network,
        "link_rows": [[names[a], names[b], n] for (a, b), n in sorted(links.items(), key=lambda item: -item[1])],
        "year_rows": table(profile["years"], YEAR_COLUMNS),
        "country_rows": table(profile["countries"], COUNTRY_COLUMNS, missing="?"),
        "projects_shown": profile["projects"][:PROJECTS_SHOWN],
    }
    return render(request, "organisation.html", context)


@router.get("/organisations/{organisation_id}/years.csv")
async def organisation_years(organisation_id: str, app: Core) -> Response:
    profile = await run_in_threadpool(app.profile, organisation_id)
    return csv_response(f"{organisation_id}-years.csv", YEAR_COLUMNS, table(profile["years"], YEAR_COLUMNS))


@router.get("/organisations/{organisation_id}/projects.csv")
async def organisation_projects(organisation_id: str, app: Core) -> Response:
    profile = await run_in_threadpool(app.profile, organisation_id)
    rows = table(profile["projects"], PROJECT_COLUMNS)
    return csv_response(f"{organisation_id}-projects.csv", PROJECT_COLUMNS, rows)


@router.get("/organisations/{organisation_id}/countries.csv")
async def organisation_countries(organisation_id: str, app: Core) -> Response:
    profile = await run_in_threadpool(app.profile, organisation_id)
    rows = table(profile["countries"], COUNTRY_COLUMNS)
    return csv_response(f"{organisation_id}-countries.csv", COUNTRY_COLUMNS, rows)


@router.get("/hubs/{hub_id}", response_class=HTMLResponse)
async def hub(request: Request, hub_id: str, app: Core) -> Response:
    page = await run_in_threadpool(app.hub_page, hub_id)
    if page["same_as"]:  # the same hub in another catalogue: its page is the one shown
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(entity_url("hub", page["same_as"]) + query, status_code=302)
    return render(request, "hub.html", {"hub": page})


@router.get("/platforms/{platform_id}", response_class=HTMLResponse)
async def platform(request: Request, platform_id: str, app: Core) -> HTMLResponse:
    record = await run_in_threadpool(app.record, "platform", platform_id)
    return render(request, "platform.html", {"platform": record})


@router.get("/working-groups/{group_id:path}")
async def working_group(group_id: str, app: Core) -> RedirectResponse:
    """A working group lives on its platform's page: sent there, to the group."""
    record = await run_in_threadpool(app.record, "working_group", group_id)
    return RedirectResponse(entity_url("platform", record["platform_id"]) + "#" + quote(group_id, safe="/"), 303)


@router.get("/projects/{project_id}", response_class=HTMLResponse)  # CORDIS, or se-… for Swedish ERDF/ESF
async def project(request: Request, project_id: str, app: Core) -> HTMLResponse:
    record = await run_in_threadpool(app.record, "project", project_id)
    return render(request, "project.html", {"project": record})
