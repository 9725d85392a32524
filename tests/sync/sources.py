"""Local stand-ins of the official sources, answering in their real formats, built from the
shared files: the Funding & Tenders search service (SEDIA: multipart POST, ``metadata`` lists
of strings, ``budgetOverview`` and ``actions`` as JSON text, HTML descriptions, paging,
facets), CORDIS's open-data dumps (zips of the official CSVs) and the EDIH catalogue export,
both with ETag / If-None-Match as the real file servers do.

The records the search service answers are the shared feed file's, turned back into the
service's raw shape; a test may change one, hold the service after some pages (to kill a
sync half-way) or make it fail.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from samverkan.settings import Settings, load_settings


def sync_settings(db_url: str, sources: Sources, tmp_path: Path, **more: Any) -> Settings:
    """Settings pointing every sync at ``sources``, staging under ``tmp_path``."""
    return load_settings(db=db_url, sync_dir=tmp_path / "sync", sync_timeout_seconds=5, **(sources.settings() | more))


STATUS_IDS = {"Forthcoming": "31094501", "Open for submission": "31094502", "Closed": "31094503"}


def raw_result(record: dict[str, Any]) -> dict[str, Any]:
    """A record of the shared feed file as the search service itself answers it."""

    def listed(value: Any) -> list[str]:
        return [] if value in (None, "") else [str(value)]

    budget = record.get("budget") or {}
    years = budget.get("years") or ["2026"]
    overview = {
        "budgetTopicActionMap": {
            "1": [
                {
                    "action": f"{record['identifier']} - {record['title']}",
                    "budgetYearMap": {years[0]: budget.get("totalBudgetEur")},
                    "expectedGrants": budget.get("expectedGrants"),
                    "minContribution": budget.get("minContributionEur"),
                    "maxContribution": budget.get("maxContributionEur"),
                }
            ]
        },
        "budgetYearsColumns": years,
    }
    abstract = record.get("abstract")
    description = "".join(f"<p>{html.escape(part)}</p>" for part in abstract.split("\n\n")) if abstract else None
    deadline = record.get("deadlineDate")
    return {
        "reference": record["id"],
        "url": record["url"],
        "summary": record.get("summary"),
        "metadata": {
            "identifier": [record["identifier"]],
            "title": listed(record["title"]),
            "url": listed(record["url"]),
            "callIdentifier": listed(record.get("callIdentifier")),
            "callTitle": listed(record.get("callTitle")),
            "destinationDescription": listed(record.get("destination")),
            "typesOfAction": listed(record.get("actionType")),
            "status": [STATUS_IDS[record["status"]["label"]]],
            "type": [record["kind"]["id"]],
            "startDate": listed(record.get("startDate")),
            "deadlineDate": deadline if isinstance(deadline, list) else listed(deadline),
            "frameworkProgramme": [p["id"] for p in record.get("frameworkProgrammes") or []],
            "descriptionByte": listed(description),
            "budgetOverview": [json.dumps(overview)] if record.get("budget") else [],
            "actions": [json.dumps([{"status": {"id": STATUS_IDS[record["status"]["label"]]}, "deadlineModel": None}])],
        },
    }


class Sources:
    """The stand-in servers, on one local port."""

    def __init__(self, topics: list[dict[str, Any]], files: dict[str, bytes] | None = None) -> None:
        self.topics = topics
        self.files = dict(files or {})
        self.served_pages = 0
        self.hold_after: int | None = None  # pages served before the search service stops answering
        self.release = threading.Event()
        self.fail_with: int | None = None  # answer every request with this status
        self.raw_page: bytes | None = None  # answer the search service with these bytes (status 200)
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"sources": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self) -> dict[str, Any]:
        """Settings pointing every sync at these servers."""
        return {
            "sync_calls_url": f"{self.base}/search-api/prod/rest/search?apiKey=SEDIA",
            "sync_facets_url": f"{self.base}/search-api/prod/rest/facet?apiKey=SEDIA",
            "sync_cordis_urls": [f"{self.base}/data/{name}" for name in sorted(self.files) if name.endswith(".zip")],
            "sync_hubs_url": f"{self.base}/data/edih-export.xlsx" if "edih-export.xlsx" in self.files else None,
        }

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # the search service
    def search(self, query: dict[str, Any], page: int, size: int) -> dict[str, Any]:
        wanted = _terms(query)
        chosen = [
            t
            for t in self.topics
            if STATUS_IDS[t["status"]["label"]] in wanted.get("status", [STATUS_IDS[t["status"]["label"]]])
            and t["kind"]["id"] in wanted.get("type", [t["kind"]["id"]])
            and (
                "frameworkProgramme" not in wanted
                or {p["id"] for p in t["frameworkProgrammes"]} & set(wanted["frameworkProgramme"])
            )
        ]
        start = (page - 1) * size
        return {
            "apiVersion": "2.140",
            "terms": "***",
            "totalResults": len(chosen),
            "pageNumber": page,
            "pageSize": size,
            "results": [raw_result(t) for t in chosen[start : start + size]],
        }

    def facets(self) -> dict[str, Any]:
        programmes: dict[str, tuple[str, int]] = {}
        for t in self.topics:
            for p in t.get("frameworkProgrammes") or []:
                label, count = programmes.get(p["id"], (p["label"], 0))
                programmes[p["id"]] = (label, count + 1)
        return {
            "facets": [
                {
                    "name": "frameworkProgramme",
                    "values": [{"rawValue": k, "value": v[0], "count": v[1]} for k, v in programmes.items()],
                },
                {"name": "status", "values": [{"rawValue": v, "value": k} for k, v in STATUS_IDS.items()]},
            ]
        }


def _terms(query: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for clause in (query.get("bool") or {}).get("must") or []:
        for name, values in (clause.get("terms") or {}).items():
            out[name] = [str(v) for v in values]
    return out


class _Handler(BaseHTTPRequestHandler):
    sources: Sources

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _json(self, value: Any, status: int = 200) -> None:
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        src = self.sources
        src.requests.append(f"POST {self.path}")
        if src.fail_with:
            self._json({"error": "unavailable"}, src.fail_with)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
        )
        parts = {
            part.get_param("name", header="content-disposition"): part.get_content() for part in message.iter_parts()
        }
        query = json.loads(parts["query"]) if "query" in parts else {}
        url = urlparse(self.path)
        args = {k: v[0] for k, v in parse_qs(url.query).items()}
        if args.get("apiKey") != "SEDIA":
            self._json({"error": "apiKey"}, 403)
            return
        if url.path.endswith("/facet"):
            self._json(src.facets())
            return
        if src.raw_page is not None and not url.path.endswith("/facet"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(src.raw_page)))
            self.end_headers()
            self.wfile.write(src.raw_page)
            return
        if src.hold_after is not None and src.served_pages >= src.hold_after:
            src.release.wait(60)  # the client is killed meanwhile
        src.served_pages += 1
        self._json(src.search(query, int(args.get("pageNumber", 1)), int(args.get("pageSize", 50))))

    def do_GET(self) -> None:
        src = self.sources
        src.requests.append(f"GET {self.path}")
        name = self.path.rsplit("/", 1)[-1]
        if src.fail_with:
            self._json({"error": "unavailable"}, src.fail_with)
            return
        if name not in src.files:
            self._json({"error": "not found"}, 404)
            return
        data = src.files[name]
        tag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", tag)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(data)
