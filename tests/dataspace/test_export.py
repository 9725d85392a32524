"""CSV export: the owner and raw grantees get the observations, aggregate grantees only
aggregates, others nothing; every export is in the owner's audit log."""

from __future__ import annotations

import csv
import io
import json

from tests.dataspace.conftest import BORAS, station
from tests.dataspace.test_isolation import share


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def station_with_odd_results(alfa, text: str, result_time: str) -> int:
    """A Borås station whose datastream also holds a text, a boolean (over an interval, with a
    resultTime) and an object result, the day after its three temperatures; returns its id."""
    alfa.post("/Things", station("Boras", 12.9, 57.7))
    stream = alfa.get("/Datastreams").json()["value"][0]["@iot.id"]
    odd = [
        {"phenomenonTime": "1961-01-02T00:00:00Z", "result": text},
        {"phenomenonTime": "1961-01-02T06:00:00Z/1961-01-02T07:00:00Z", "result": True, "resultTime": result_time},
        {"phenomenonTime": "1961-01-02T12:00:00Z", "result": {"gust": 3}},
    ]
    for body in odd:
        assert alfa.post(f"/Datastreams({stream})/Observations", body).status_code == 201
    return stream


def test_observations_export_as_csv_in_time_order_and_chunks(tenants, space):
    core, _ = space
    alfa, beta = tenants
    stream = station_with_odd_results(alfa, 'calm, "still"\nair', "1961-01-02T07:00:00Z")
    url = f"/datastreams/{stream}/observations.csv"
    exported = rows(alfa.api("GET", url))
    stored = alfa.get(f"/Datastreams({stream})/Observations?$orderby=phenomenonTime&$expand=FeatureOfInterest")
    stored = stored.json()["value"]
    assert [r["id"] for r in exported] == [str(o["@iot.id"]) for o in stored]
    assert [r["phenomenonTime"] for r in exported[:3]] == [t for t, _ in BORAS]
    assert [r["result"] for r in exported] == ["-0.5", "0.0", "0.0", 'calm, "still"\nair', "true", '{"gust": 3}']
    assert exported[4]["phenomenonTimeEnd"] == "1961-01-02T07:00:00Z"
    assert exported[4]["resultTime"] == "1961-01-02T07:00:00Z"
    assert {r["FeatureOfInterest"] for r in exported} == {str(stored[0]["FeatureOfInterest"]["@iot.id"])}
    # a window, and reading in chunks smaller than the export
    window = rows(alfa.api("GET", url, params={"from": "1961-01-01T12:00:00Z", "to": "1961-01-02T06:00:00Z"}))
    assert [r["phenomenonTime"] for r in window] == [t for t, _ in BORAS[1:]] + ["1961-01-02T00:00:00Z"]
    chunked = list(core.dataspace.export(alfa.token, stream, None, None, chunk=2))
    assert "".join(chunked) == alfa.api("GET", url).text and len(chunked) == 1 + 3  # header, then 3 chunks

    # others: nothing until shared; an hourly share exports aggregates only; raw exports rows
    assert beta.api("GET", url).status_code == 404
    assert beta.client.get(f"/api/v1{url}").status_code == 404  # the public
    hourly_share = share(alfa, stream, "beta", "hourly")
    refused = beta.api("GET", url)
    assert refused.status_code == 403 and "aggregate?format=csv" in refused.json()["detail"]
    hourly = rows(beta.api("GET", f"/datastreams/{stream}/aggregate", params={"interval": "6h", "format": "csv"}))
    assert [(r["start"], r["count"], r["mean"]) for r in hourly] == [
        ("1961-01-01T06:00:00Z", "1", "-0.5"),
        ("1961-01-01T12:00:00Z", "1", "0.0"),
        ("1961-01-01T18:00:00Z", "1", "0.0"),
    ]
    assert alfa.api("DELETE", f"/shares/{hourly_share}").status_code == 200
    share(alfa, stream, "beta", "raw")
    assert rows(beta.api("GET", url)) == exported
    log = alfa.api("GET", "/audit").json()
    exports = [e for e in log if e["detail"].startswith("export")]
    assert len(exports) == 1 and exports[0]["actor"] == "beta" and exports[0]["count"] == len(exported)
    assert alfa.api("GET", url, params={"from": "yesterday"}).status_code == 400


def test_observations_export_as_parquet_holds_what_the_csv_holds(tenants, space, tmp_path):
    import pyarrow.parquet as pq

    core, _ = space
    alfa, beta = tenants
    stream = station_with_odd_results(alfa, "calm", "1961-01-02T07:00:00.250Z")
    url = f"/datastreams/{stream}/observations.parquet"
    response = alfa.api("GET", url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert 'filename="datastream-' in response.headers["content-disposition"]
    (tmp_path / "x.parquet").write_bytes(response.content)
    table = pq.read_table(tmp_path / "x.parquet")
    assert table.schema.metadata[b"samverkan.name"] == b"Air temperature Boras 0"
    assert json.loads(table.schema.metadata[b"samverkan.unitOfMeasurement"])["symbol"] == "°C"
    got = table.to_pylist()
    csv_rows = rows(alfa.api("GET", url.replace(".parquet", ".csv")))
    assert [str(r["id"]) for r in got] == [r["id"] for r in csv_rows]
    assert [r["phenomenonTime"].strftime("%Y-%m-%dT%H:%M:%SZ") for r in got] == [r["phenomenonTime"] for r in csv_rows]
    assert [r["result"] for r in got] == [-0.5, 0.0, 0.0, None, None, None]
    assert [r["resultJson"] for r in got] == [None, None, None, '"calm"', "true", '{"gust": 3}']
    assert got[4]["resultTime"].isoformat() == "1961-01-02T07:00:00.250000+00:00"
    assert got[4]["phenomenonTimeEnd"].isoformat() == "1961-01-02T07:00:00+00:00"
    assert {r["FeatureOfInterest"] for r in got} == {int(csv_rows[0]["FeatureOfInterest"])}
    # row groups of the chunk size; a window
    with open(tmp_path / "chunked.parquet", "wb") as target:
        assert core.dataspace.export_parquet(alfa.token, stream, None, None, target, chunk=4) == 6
    assert pq.ParquetFile(tmp_path / "chunked.parquet").metadata.num_row_groups == 2
    window = alfa.api("GET", url, params={"from": "1961-01-01T12:00:00Z", "to": "1961-01-02T06:00:00Z"})
    (tmp_path / "w.parquet").write_bytes(window.content)
    assert pq.read_table(tmp_path / "w.parquet").num_rows == 3
    # the same rules as for CSV, and the audit says which format
    assert beta.api("GET", url).status_code == 404
    hourly = share(alfa, stream, "beta", "hourly")
    assert beta.api("GET", url).status_code == 403
    assert alfa.api("DELETE", f"/shares/{hourly}").status_code == 200
    share(alfa, stream, "beta", "raw")
    (tmp_path / "beta.parquet").write_bytes(beta.api("GET", url).content)
    assert pq.read_table(tmp_path / "beta.parquet").to_pylist() == got
    exports = [e for e in alfa.api("GET", "/audit").json() if e["detail"].startswith("export")]
    assert [(e["actor"], e["count"], e["detail"].split()[-1]) for e in exports] == [("beta", 6, "parquet")]
