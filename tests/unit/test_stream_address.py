import pytest

from services.common.errors import InvalidArgument
from services.common.quoting import quoted
from services.streams import luna_schema as schema
from services.streams.addresses import MAX_ADDRESS_LENGTH, address_problem, valid_stream_address


@pytest.mark.parametrize(
    "address",
    [
        "rtsp://10.7.2.50:554/VOD/stream.mp4",
        "rtsps://cam.example/live",
        "rtmp://server/live/key",
        "http://cam.local/mjpg",
        "https://cam.local:8443/stream",
        "file:///storage/videos/rekaman.mp4",
        "usb://0",
        "/dev/video2",
    ],
)
def test_accepts_documented_sources(address: str) -> None:
    assert valid_stream_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "ftp://host/file.mp4",
        "rtsp://",
        "rtsp:///path-without-host",
        "file://",
        "file:///",
        "usb://camera",
        "just some text",
        "rtsp://host/with space",
        "javascript:alert(1)",
        "/etc/passwd",
        "rtsp://h/" + "a" * 2000,
    ],
)
def test_rejects_everything_else(address: str) -> None:
    assert not valid_stream_address(address)


def test_the_limit_is_luna_s_512_characters() -> None:
    assert valid_stream_address("rtsp://h/" + "a" * (MAX_ADDRESS_LENGTH - 9))
    assert address_problem("rtsp://h/" + "a" * (MAX_ADDRESS_LENGTH - 8)) == "is longer than 512 characters"


def test_problems_say_what_is_wrong() -> None:
    assert address_problem("") == "is empty"
    assert address_problem("rtsp://") == "has no host (rtsp:// needs one)"
    assert address_problem("a\tb") == "contains spaces or control characters"
    assert address_problem("ftp://h/x") == "is not one of rtsp, rtsps, rtmp, rtmps, http, https, file or usb sources"


def test_luna_reference_follows_the_same_rule() -> None:
    """`data.reference` is refused exactly when `stream_address` would be."""
    for address in ("ftp://host/file.mp4", "rtsp://", "/etc/passwd", "rtsp://h/" + "a" * 600):
        with pytest.raises(InvalidArgument, match=r"data\.reference"):
            schema.check_data_v1(schema.DATA_V1, address)
    for address in ("rtsp://10.7.2.50:554/VOD/stream.mp4", "file:///storage/videos/rekaman.mp4", "usb://0"):
        schema.check_data_v1(schema.DATA_V1, address)
    schema.check_data_v1(schema.DATA_V1, "")  # left out, as the document's replace examples do


def test_quoted_cuts_long_values() -> None:
    assert quoted("short") == "'short'"
    assert quoted("x" * 10_000) == repr("x" * 32) + "..."
    assert quoted(list(range(1000))).endswith("...") and len(quoted(list(range(1000)))) == 35
