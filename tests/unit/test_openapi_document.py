"""The OpenAPI document made from the contracts: valid OpenAPI 3 (a real
validator), one operationId per route, the success statuses the servicers
really set, real schemas for JSON answers, each family's error body."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from services.common.contracts import rpcs
from services.system import openapi

ROOT = Path(__file__).resolve().parents[2]
_SET_STATUS = re.compile(r'_status\(context, (\d+)\)|"vigil-http-status", "(\d+)"|HTTP_STATUS_KEY, "(\d+)"')


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(verb, path, op) for path, ops in spec["paths"].items() for verb, op in ops.items()]


def test_the_document_is_valid_openapi_3() -> None:
    validate(openapi.spec())


def test_operation_ids_are_unique() -> None:
    ids = [op["operationId"] for _, _, op in operations(openapi.spec())]
    assert len(ids) == len(set(ids))
    paths = openapi.spec()["paths"]
    assert paths["/1/groups"]["get"]["operationId"] == "LunaGroupsService.ListLunaGroups.v1"
    assert paths["/2/groups"]["get"]["operationId"] == "LunaGroupsService.ListLunaGroups.v2"
    assert paths["/streams"]["get"]["operationId"] == "StreamsService.ListStreams"


def test_success_statuses_are_the_ones_the_servicers_set() -> None:
    """Every `vigil-http-status` a servicer sets on success is in the table, and nothing else."""
    found: dict[str, int] = {}
    for source in (ROOT / "services").rglob("*.py"):
        text = source.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.AsyncFunctionDef):
                for match in _SET_STATUS.finditer(ast.get_source_segment(text, node) or ""):
                    found[node.name] = int(next(g for g in match.groups() if g))
    table = {name.split(".")[1]: status for name, status in openapi.SUCCESS_STATUS.items()}
    assert found == table
    names = {openapi.rpc_name(rpc) for rpc in rpcs().values()}
    assert set(openapi.SUCCESS_STATUS) <= names and set(openapi.RAW_CONTENT) <= names


def test_every_operation_documents_its_real_answers() -> None:
    spec = openapi.spec()
    for verb, path, op in operations(spec):
        responses = op["responses"]
        success = [code for code in responses if code[0] in "23"]
        assert len(success) == 1, (verb, path, success)
        error = openapi.FAMILIES[openapi.family(path)][0]
        assert responses["default"] == {"$ref": f"#/components/responses/{error}"}
        assert responses["404"] == responses["default"]
        answer = responses[success[0]]
        if success[0] == "204":
            assert "content" not in answer
            continue
        for kind, media in answer["content"].items():
            binary = media["schema"].get("format") == "binary"
            # JSON (and YAML) answers have real schemas; only raw bodies are binary, with their real content type.
            assert binary == (kind not in ("application/json", "application/x-yaml")), (verb, path, kind)
            assert kind != "*/*", (verb, path)
    paths = spec["paths"]
    assert paths["/1/groups"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/vigil.streams.v1.LunaGroup"},
    }
    assert "201" in paths["/1/streams"]["post"]["responses"]
    assert "204" in paths["/1/streams/{stream_id}"]["patch"]["responses"]
    assert "204" in paths["/videos/{id}"]["delete"]["responses"]
    assert paths["/docs/dev"]["get"]["responses"]["302"]["headers"]["Location"]["required"] is True
    classify = paths["/api/classify"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert len(classify["oneOf"]) == 2
    assert set(paths["/config"]["get"]["responses"]["200"]["content"]) == {"application/json", "text/plain"}
    assert paths["/api/result/{id}"]["get"]["responses"]["422"] == {"$ref": "#/components/responses/GaardError"}


def test_each_family_has_its_error_body() -> None:
    schemas = openapi.spec()["components"]["schemas"]
    assert set(schemas["VisionaireError"]["required"]) == {"code", "message"}
    assert set(schemas["LenzError"]["required"]) == {"success", "message"}
    assert set(schemas["LunaError"]["required"]) == {"error_code", "desc", "detail"}
    assert set(schemas["FindFaceError"]["required"]) == {"code", "desc"}
    assert set(schemas["GaardError"]["required"]) == {"error_code", "error_msg"}
    families = {openapi.family(path) for _, path, _ in operations(openapi.spec())}
    assert families == set(openapi.FAMILIES)


def test_every_raw_body_route_has_its_content_types() -> None:
    for rpc in rpcs().values():
        if rpc.method.output_type.full_name == "google.api.HttpBody":
            assert openapi.rpc_name(rpc) in openapi.RAW_CONTENT, rpc.path
