"""What a valid stream address is: one rule for every face that receives
one (Visionaire4 `stream_address`, LUNA `data.reference`), so a stream made
through one face is never refused, or shown out of its limits, by another.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: URL schemes of network sources (each needs a host).
NETWORK_SCHEMES = ("rtsp", "rtsps", "rtmp", "rtmps", "http", "https")
#: The longest address: LUNA documents `reference` as at most 512 characters,
#: and the same row is the Visionaire4 `stream_address`.
MAX_ADDRESS_LENGTH = 512
_USB_DEVICE = re.compile(r"^/dev/video\d{1,3}$")


def address_problem(address: str) -> str | None:
    """Why `address` is not a stream address, or None when it is one: an
    rtsp(s)/rtmp(s)/http(s) URL with a host, a `file://` URL with a path, or
    a USB camera (`usb://N` or `/dev/videoN`), at most 512 characters, with
    no spaces or control characters."""
    if not address:
        return "is empty"
    if len(address) > MAX_ADDRESS_LENGTH:
        return f"is longer than {MAX_ADDRESS_LENGTH} characters"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in address):
        return "contains spaces or control characters"
    if _USB_DEVICE.match(address):
        return None
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:
        return "is not a URL"
    scheme = parts.scheme.lower()
    if scheme in NETWORK_SCHEMES:
        return None if host else f"has no host ({scheme}:// needs one)"
    if scheme == "file":
        return None if parts.netloc in ("", "localhost") and len(parts.path) > 1 else "is not a file:// URL with a path"
    if scheme == "usb":
        return None if (parts.netloc + parts.path).isdigit() else "is not usb://<number>"
    return f"is not one of {', '.join(NETWORK_SCHEMES)}, file or usb sources"


def valid_stream_address(address: str) -> bool:
    """True when `address_problem` finds nothing wrong."""
    return address_problem(address) is None
