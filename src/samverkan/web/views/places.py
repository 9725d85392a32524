"""Region pages (NUTS regions and Swedish län), municipality pages and the maps and figures
page: where the hubs are, where EU participation comes from, and Sweden beside its peers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from samverkan.catalogue import details
from samverkan.catalogue.hubs import TYPES
from samverkan.errors import NotFound
from samverkan.web import charts
from samverkan.web.deps import Core
from samverkan.web.i18n import translations
from samverkan.web.templating import hub_type_labels, language, render
from samverkan.web.views.entities import PARTICIPATION_COLUMNS, csv_response, table

router = APIRouter(include_in_schema=False)

PEERS = 12  # countries shown beside Sweden


SUBREGION_COLUMNS = ["nuts", "name", "participations", "hubs"]
PLACE_COLUMNS = ["place", "name", "lat", "lon", "hubs"]
COUNTY_COLUMNS = ["code", "name", "organisations"]


def _points(places: list[details.HubPlace]) -> list[charts.Point]:
    return [(name, lon, lat, n) for _code, name, lat, lon, n in places]


async def _subregions(app: Core, page: dict) -> tuple[list, list[list]]:
    """The region's subregions one level down (or the region itself, if it has none) with
    their participations and hubs (as ``details`` counts them), for the map and its table."""
    level = page["children"][0]["level"] if page["children"] else page["level"]
    shapes = await run_in_threadpool(app.shapes, level, page["country"])
    inside = [s for s in shapes if s[0].startswith(page["id"])] if level else []
    participation = await run_in_threadpool(app.participation_by_region, level)
    hubs = await run_in_threadpool(app.hubs_by_region, level)
    rows = [[code, name, participation.get(code, 0), hubs.get(code, 0)] for code, name, _ in inside]
    return inside, rows


@router.get("/regions/{code}", response_class=HTMLResponse)
async def region(request: Request, code: str, app: Core) -> HTMLResponse:
    _ = translations(language(request)).gettext
    page = await run_in_threadpool(app.region_page, code.upper())
    over_time = charts.columns(
        [(str(y["year"]), y["participations"]) for y in page["participation"]],
        _("EU project participations per year"),
        _("Participations in EU projects by organisations in the region, by the projects' start year."),
    )
    inside, subregion_rows = await _subregions(app, page)
    places = await run_in_threadpool(app.hub_places, page["id"])
    region_map = None
    if inside:
        region_map = charts.choropleth(
            inside,
            {row[0]: row[2] for row in subregion_rows},
            _("EU participation and innovation hubs in the region"),
            _("Map of the region: its subregions coloured by participations in EU projects, its innovation hubs "
              "as circles where their addresses place them."),
            _("participations"),
            extent=None,
            width=480,
            points=_points(places),
            point_unit=_("hubs"),
            labels={row[0]: row[1] for row in subregion_rows},
        )  # fmt: skip
    context = {
        "region": page,
        "over_time": over_time,
        "region_map": region_map,
        "participation_rows": table(page["participation"], PARTICIPATION_COLUMNS),
        "subregion_rows": subregion_rows,
        "place_rows": [[name, n] for _code, name, _lat, _lon, n in places],
    }
    return render(request, "region.html", context)


@router.get("/regions/{code}/participation.csv")
async def region_participation(code: str, app: Core) -> Response:
    page = await run_in_threadpool(app.region_page, code.upper())
    rows = table(page["participation"], PARTICIPATION_COLUMNS)
    return csv_response(f"{page['id']}-participation.csv", PARTICIPATION_COLUMNS, rows)


@router.get("/regions/{code}/subregions.csv")
async def region_subregions(code: str, app: Core) -> Response:
    page = await run_in_threadpool(app.region_page, code.upper())
    _inside, rows = await _subregions(app, page)
    return csv_response(f"{page['id']}-subregions.csv", SUBREGION_COLUMNS, rows)


@router.get("/regions/{code}/hub-places.csv")
async def region_hub_places(code: str, app: Core) -> Response:
    page = await run_in_threadpool(app.region_page, code.upper())
    places = await run_in_threadpool(app.hub_places, page["id"])
    return csv_response(f"{page['id']}-hub-places.csv", PLACE_COLUMNS, [list(p) for p in places])


@router.get("/municipalities/{code}", response_class=HTMLResponse)
async def municipality(request: Request, code: str, app: Core) -> HTMLResponse:
    _ = translations(language(request)).gettext
    page = await run_in_threadpool(app.municipality_page, code)
    county_map = None
    if page["county"]:
        shapes = await run_in_threadpool(app.municipality_shapes, page["county"]["code"])
        county_map = charts.choropleth(
            shapes,
            {m["code"]: m["organisations"] for m in page["county_municipalities"]},
            _("%(name)s in its county") % {"name": page["name"]},
            _("Map of the county's municipalities, coloured by organisations with EU projects; %(name)s is "
              "outlined in orange.") % {"name": page["name"]},
            _("organisations"),
            extent=None,
            width=360,
            highlight=page["code"],
        )  # fmt: skip
    county_rows = table(page["county_municipalities"], COUNTY_COLUMNS[1:])
    context = {"municipality": page, "county_map": county_map, "county_rows": county_rows}
    return render(request, "municipality.html", context)


@router.get("/municipalities/{code}/county.csv")
async def municipality_county(code: str, app: Core) -> Response:
    page = await run_in_threadpool(app.municipality_page, code)
    rows = table(page["county_municipalities"], COUNTY_COLUMNS)
    return csv_response(f"{code}-county.csv", COUNTY_COLUMNS, rows)


@router.get("/statistics", response_class=HTMLResponse)
async def statistics(request: Request, app: Core) -> HTMLResponse:
    """Countries: Sweden beside its peers, hubs per country (with the hubs as points) and
    participation per country. The NUTS 2 maps are on /statistics/regions, each page staying
    within its page weight."""
    _ = translations(language(request)).gettext
    numbers = await run_in_threadpool(app.statistics)
    labels = hub_type_labels(language(request))
    countries = await run_in_threadpool(app.shapes, 0)
    places = await run_in_threadpool(app.hub_places)
    hubs = numbers["hubs_per_country"]
    participation = numbers["participation_per_country"]
    context = {
        "hubs_map": charts.choropleth(
            countries,
            hubs,
            _("Innovation hubs per country"),
            _(
                "Map of Europe: number of digital innovation hubs in each country, and the hubs as circles where "
                "their addresses place them."
            ),
            _("hubs"),
            highlight="SE",
            points=_points(places),
            point_unit=_("hubs at one place"),
            labels={code: code for code, _name, _geometry in countries},
        ),
        "place_rows": [[name, code, n] for code, name, _lat, _lon, n in places],
        "hubs_bars": charts.bars(
            _peers(hubs),
            _("Sweden beside its peers: innovation hubs"),
            _("Bar chart: number of innovation hubs in Sweden and the countries with the most hubs."),
            highlight="SE",
        ),
        "participation_bars": charts.bars(
            _peers(participation),
            _("Sweden beside its peers: EU project participation"),
            _("Bar chart: participations in EU projects in Sweden and the countries with the most."),
            highlight="SE",
        ),
        "hub_rows": [[code, n] for code, n in hubs.items()],
        "hub_type_rows": [[labels.get(t, t), n] for t, n in numbers["hubs_per_type"].items()],
        "hub_country_type_rows": [
            [code, *by_type.values()] for code, by_type in numbers["hubs_per_country_and_type"].items()
        ],
        "hub_type_headers": [labels.get(t, t) for t in TYPES],
        "hubs_per_type": numbers["hubs_per_type"],
        "participation_rows": [[code, n] for code, n in participation.items()],
        "sweden": {
            "hubs": hubs.get("SE", 0),
            "hubs_rank": _rank(hubs, "SE"),
            "hubs_per_type": numbers["hubs_per_country_and_type"].get("SE", dict.fromkeys(TYPES, 0)),
            "participation": participation.get("SE", 0),
            "participation_rank": _rank(participation, "SE"),
            "countries": len(hubs),
            "participation_countries": len(participation),
        },
    }
    return render(request, "statistics.html", context)


@router.get("/statistics/regions", response_class=HTMLResponse)
async def statistics_regions(request: Request, app: Core) -> HTMLResponse:
    """Innovation hubs per NUTS 2 region, with how many could not be placed."""
    _ = translations(language(request)).gettext
    return await _region_map(
        request,
        app,
        "hubs",
        _("Innovation hubs per NUTS 2 region"),
        _("Map of Europe: number of digital innovation hubs in each NUTS 2 region."),
        _("hubs"),
    )


@router.get("/statistics/regions/participation", response_class=HTMLResponse)
async def statistics_regions_participation(request: Request, app: Core) -> HTMLResponse:
    """EU project participation per NUTS 2 region, with how much could not be placed. The two
    NUTS 2 maps have a page each: together they weigh more than a page may (issue 27)."""
    _ = translations(language(request)).gettext
    return await _region_map(
        request,
        app,
        "participation",
        _("EU project participation per NUTS 2 region"),
        _("Map of Europe: participations in EU projects of the organisations in each NUTS 2 region."),
        _("participations"),
    )


async def _region_map(
    request: Request, app: Core, figure: str, title: str, description: str, unit: str
) -> HTMLResponse:
    numbers = await run_in_threadpool(app.statistics)
    regions = await run_in_threadpool(app.shapes, 2)
    region_names = {code: name.split("/")[0].split(",")[0].strip() for code, name, _ in regions}
    counts = numbers["hubs_per_region"] if figure == "hubs" else numbers["participation_per_region"]
    context = {
        "figure": figure,
        "title": title,
        "region_map": charts.choropleth(regions, counts, title, description, unit, labels=region_names),
        "not_in_a_region": numbers[f"{figure}_not_in_a_region"],
    }
    return render(request, "statistics_regions.html", context)


def _peers(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The countries with the most, and Sweden wherever it ranks."""
    top = list(counts.items())[:PEERS]
    if "SE" not in dict(top) and "SE" in counts:
        top.append(("SE", counts["SE"]))
    return top


def _rank(counts: dict[str, int], country: str) -> int | None:
    return list(counts).index(country) + 1 if country in counts else None


@router.get("/statistics/{name}.csv")
async def statistics_csv(name: str, app: Core) -> Response:
    numbers = await run_in_threadpool(app.statistics)
    tables = {
        "hubs-per-country": ("hubs_per_country", ["country", "hubs"]),
        "hubs-per-region": ("hubs_per_region", ["nuts2", "hubs"]),
        "hubs-per-type": ("hubs_per_type", ["type", "hubs"]),
        "participation-per-country": ("participation_per_country", ["country", "participations"]),
        "participation-per-region": ("participation_per_region", ["nuts2", "participations"]),
    }
    if name == "hubs-per-place":
        places = await run_in_threadpool(app.hub_places)
        return csv_response(f"{name}.csv", PLACE_COLUMNS, [list(p) for p in places])
    if name == "hubs-per-country-and-type":
        rows = [[code, *by_type.values()] for code, by_type in numbers["hubs_per_country_and_type"].items()]
        return csv_response(f"{name}.csv", ["country", *TYPES], rows)
    if name not in tables:
        raise NotFound(f"no figure {name!r}")
    key, header = tables[name]
    return csv_response(f"{name}.csv", header, [[k, v] for k, v in numbers[key].items()])
