"""LUNA stream settings: defaults, validation, the v1 and v2 views of one
stream, query parsing (document 002)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.common.errors import BadQueryParameter, InvalidArgument
from services.streams import luna_schema as schema

ACCOUNT = "557d54ec-29ad-4f3c-93b4-c9092ef12515"

HANDLER = "ee4c42b6-23ae-410e-a2aa-a4220e64ba4b"


def test_merged_fills_left_out_keys_and_keeps_given_zeros() -> None:
    given = {"sending": {"time_period_of_searching": 0.0, "send_only_full_set": False}}
    policies = schema.merged(schema.POLICIES_V1, given)
    assert policies["sending"]["time_period_of_searching"] == 0.0
    assert policies["sending"]["send_only_full_set"] is False
    assert policies["sending"]["number_of_bestshots_to_send"] == 1  # default kept
    assert policies["healthcheck"] == schema.POLICIES_V1["healthcheck"]
    # The defaults themselves are never changed.
    assert schema.POLICIES_V1["sending"]["time_period_of_searching"] == -1.0


def test_defaults_are_valid() -> None:
    schema.check_data_v1(schema.DATA_V1, "rtsp://some_stream_address")
    schema.check_policies_v1(schema.POLICIES_V1)
    schema.check_event_handler_v1({**schema.EVENT_HANDLER_V1, "bestshot_handler": {"handler_id": HANDLER}})
    entry = schema.merged(schema.ANALYTICS_V2, {"event_handler": {"handler_id": HANDLER}})
    schema.check_data_v2(schema.DATA_V2 | {"analytics": [entry]}, "rtsp://some_stream_address")
    schema.check_autorestart(schema.AUTORESTART)


@pytest.mark.parametrize(
    ("check", "path"),
    [
        (lambda: schema.check_data_v1(schema.DATA_V1 | {"type": "ftp"}, "rtsp://a"), "data.type"),
        (lambda: schema.check_data_v1(schema.DATA_V1, "r" * 513), "data.reference"),
        (lambda: schema.check_data_v1(schema.DATA_V1 | {"rotation": 45}, "rtsp://a"), "data.rotation"),
        (
            lambda: schema.check_data_v1(schema.DATA_V1 | {"roi": {**schema._REGION, "mode": "px"}}, "rtsp://a"),
            "data.roi.mode",
        ),
        (
            lambda: schema.check_data_v1(
                schema.DATA_V1 | {"roi": {**schema._REGION, "mode": "percent", "width": 150}}, "rtsp://a"
            ),
            "data.roi.width",
        ),
        (lambda: schema.check_event_handler_v1({"api_version": 6}), "event_handler.bestshot_handler"),
        (
            lambda: schema.check_event_handler_v1({"bestshot_handler": {"handler_id": "not-a-uuid"}}),
            "event_handler.bestshot_handler.handler_id",
        ),
        (
            lambda: schema.check_policies_v1(schema.merged(schema.POLICIES_V1, {"sending": {"type": "minutes"}})),
            "policies.sending.type",
        ),
        (
            lambda: schema.check_policies_v1(schema.merged(schema.POLICIES_V1, {"filtering": {"min_score": 1.5}})),
            "policies.filtering.min_score",
        ),
        (
            lambda: schema.check_policies_v1(
                schema.merged(schema.POLICIES_V1, {"liveness": {"livenesses_weights": [0.5, 0.5]}})
            ),
            "policies.liveness.livenesses_weights",
        ),
        (lambda: schema.check_data_v2(schema.DATA_V2 | {"analytics": []}, "rtsp://a"), "data.analytics"),
        (lambda: schema.check_autorestart({"restart": 2, "attempt_count": 1, "delay": 1}), "autorestart.restart"),
        (lambda: schema.check_autorestart({"restart": 1, "attempt_count": 0, "delay": 1}), "autorestart.attempt_count"),
        (lambda: schema.check_location({"geo_position": {"latitude": 1.0}}), "location.geo_position"),
        (
            lambda: schema.check_location({"geo_position": {"latitude": 91.0, "longitude": 0.0}}),
            "location.geo_position.latitude",
        ),
        (lambda: schema.check_stream_fields("", "", "", "", ""), ""),
        (lambda: schema.check_stream_fields("557D54EC-29AD-4F3C-93B4-C9092EF12515", "", "", "", ""), "account_id"),
        (lambda: schema.check_stream_fields(HANDLER, "n" * 129, "", "", ""), "name"),
        (lambda: schema.check_stream_fields(HANDLER, "", "d" * 513, "", ""), "description"),
        (lambda: schema.check_stream_fields(HANDLER, "", "", "in_progress", ""), "status"),
        (lambda: schema.check_stream_fields(HANDLER, "", "", "", "bad name!"), "group_name"),
    ],
)
def test_validation_names_the_path(check, path) -> None:
    with pytest.raises(InvalidArgument) as err:
        check()
    assert err.value.error_code == 12022
    assert err.value.message.startswith(f"Failed to validate input json. Path: '{path}', message: ")


def test_v1_stream_shows_in_v2_as_one_face_analytics_entry() -> None:
    handler = {"api_version": 6, "bestshot_handler": {"handler_id": HANDLER}, "authorization": {"token": "t"}}
    policies = schema.merged(schema.POLICIES_V1, {"filtering": {"min_score": 0.7}, "sending": {"type": "frames"}})
    data = schema.merged(schema.DATA_V1, {"droi": {"x": 5}})
    v2 = schema.v2_data(1, "rtsp://cam", data, handler, policies)
    assert v2["reference"] == "rtsp://cam" and v2["type"] == "tcp"
    (entry,) = v2["analytics"]
    assert entry["mode"] == 1 and entry["enabled"] is True
    assert entry["droi"]["x"] == 5
    assert entry["filtering"]["min_score_face"] == 0.7
    assert entry["sending"]["type"] == "frames"
    assert entry["event_handler"] == {"type": "luna_handler", "handler_id": HANDLER, "authorization": {"token": "t"}}
    assert entry["liveness"]["livenesses_weights"] == [0.45, 0.5]
    # And back: the v1 view of the v2 stream is the v1 stream again.
    back_data, back_handler, back_policies = schema.v1_settings(2, "rtsp://cam", v2, None, None)
    assert back_data["droi"]["x"] == 5 and back_data["reference"] == "rtsp://cam"
    assert back_handler["bestshot_handler"] == {"handler_id": HANDLER}
    assert back_policies["filtering"]["min_score"] == 0.7
    assert back_policies["liveness"]["livenesses_weights"] == [0.0, 0.45, 0.5]


def test_visionaire_stream_gets_luna_defaults() -> None:
    data, handler, policies = schema.v1_settings(None, "file:///videos/a.mp4", None, None, None)
    assert data["type"] == "videofile" and data["reference"] == "file:///videos/a.mp4"
    assert handler == {"api_version": 6}
    assert policies == schema.POLICIES_V1
    v2 = schema.v2_data(None, "rtsp://10.0.0.1/x", None, None, None)
    assert v2["type"] == "tcp" and v2["analytics"] == []


def test_times_print_as_the_document_shows() -> None:
    moment = datetime(2018, 8, 11, 9, 11, 41, 674321, tzinfo=UTC)
    assert schema.format_time(moment) == "2018-08-11T09:11:41.674Z"
    assert schema.parse_time("2021-09-21T11:11:41.674Z") == datetime(2021, 9, 21, 11, 11, 41, 674000, tzinfo=UTC)
    assert schema.parse_time("2021-09-21T11:11:41") == datetime(2021, 9, 21, 11, 11, 41, tzinfo=UTC)
    assert schema.parse_time("yesterday") is None


def test_query_parsing() -> None:
    assert schema.query_list("names", "a, b,,a") == ["a", "b"]
    assert schema.query_list("targets", ["status,error", "version"]) == ["status", "error", "version"]
    with pytest.raises(BadQueryParameter) as err:
        schema.query_list("stream_ids", "abc", schema.is_uuid)
    assert (err.value.error_code, err.value.message) == (12012, "Bad query parameters 'stream_ids'")
    assert schema.page_window(None, None) == (0, 10)
    assert schema.page_window(3, 1000) == (2000, 1000)
    for page, size, name in [(0, 10, "page"), (1, 0, "page_size"), (1, 1001, "page_size")]:
        with pytest.raises(BadQueryParameter, match=name):
            schema.page_window(page, size)
    with pytest.raises(BadQueryParameter, match="create_time__gte"):
        schema.query_time("create_time__gte", "not a time")


@pytest.mark.parametrize(
    "check",
    [
        lambda bad: schema.check_stream_fields(ACCOUNT, "", "", "", bad),
        lambda bad: schema.check_stream_fields(ACCOUNT, bad, "", "", ""),
        lambda bad: schema.check_stream_fields(bad, "", "", "", ""),
        lambda bad: schema.check_data_v1(schema.DATA_V1 | {"type": bad}, "rtsp://a"),
        lambda bad: schema.check_data_v1(schema.DATA_V1, "rtsp://h/" + bad),
    ],
)
def test_details_quote_only_a_short_prefix_of_a_bad_value(check: Any) -> None:
    bad = "x" * 5000 + "!" * 5000
    with pytest.raises(InvalidArgument) as error:
        check(bad)
    detail = str(error.value)
    assert "x" * 20 in detail and "x" * 40 not in detail and len(detail) < 200, detail
