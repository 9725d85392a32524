"""The OpenAPI document explains itself: every field and parameter has a description, every
plain field an example, every JSON answer a schema or an example."""

from __future__ import annotations


def _holds_object(prop: dict) -> bool:
    """A field whose value is another described schema (its own fields carry the examples)."""
    return "$ref" in str(prop.get("anyOf", "")) or "$ref" in prop or "$ref" in str(prop.get("items", ""))


def test_every_field_and_parameter_is_described_with_an_example(client):
    spec = client.get("/openapi.json").json()
    problems = []
    for name, schema in spec["components"]["schemas"].items():
        if name in ("HTTPValidationError", "ValidationError"):  # FastAPI's own
            continue
        for field, prop in schema.get("properties", {}).items():
            if not prop.get("description"):
                problems.append(f"{name}.{field}: no description")
            if not _holds_object(prop) and not prop.get("examples"):
                problems.append(f"{name}.{field}: no example")
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    problems.append(f"{method} {path} ?{parameter['name']}: no description")
            success = next(code for code in operation["responses"] if code.startswith("2"))
            content = operation["responses"][success]["content"]
            answer = content.get("application/json") or content.get("text/csv", {})  # an export: CSV
            binary = content.get("application/vnd.apache.parquet", {}).get("schema") == {
                "type": "string",
                "format": "binary",
            }  # an export: a file
            if "$ref" not in str(answer.get("schema")) and "example" not in answer and not binary:
                problems.append(f"{method} {path}: untyped answer without an example")
    assert problems == []


def test_the_html_pages_are_not_in_the_api_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert all(path.startswith("/api/v1/") for path in paths)
