import pytest

from services.streams.addresses import valid_stream_address


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
