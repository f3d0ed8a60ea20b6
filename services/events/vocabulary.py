"""What an event may name: the analytics that raise events and the event
types they raise. An append or a filter naming anything else is refused, so
a typo never stores (or silently finds) nothing. The analytic ids are the
catalog's, and the types include every type services/analysis raises
(tests/unit/test_events_vocabulary.py checks both)."""

from __future__ import annotations

import uuid

#: The stages of FindFace video-archive processing (services/engine/findface.py):
#: faces, bodies and cars of an archive, not in the Lenz catalog.
FINDFACE_ANALYTIC_IDS = ("FF-FACE", "FF-BODY", "FF-CAR")
#: Visionaire4 ids of the catalog's analytics (services/catalog/analytics.py).
ANALYTIC_IDS = ("NFV4-FR", "NFV4-LPR3", "NFV4-MPA", "NFV4-MVA", "NFV4-SS", *FINDFACE_ANALYTIC_IDS)

#: Event types, by what raises them.
EVENT_TYPES = (
    # People and vehicle analytics (NFV4-MPA, NFV4-MVA; services/analysis):
    # a counted crossing of a line each way, an area entered and left.
    "line_in",
    "line_out",
    "area_enter",
    "area_exit",
    # Rule breaches (the catalog's /rules/pipeline names).
    "line_count_over",
    "area_occupancy_over",
    "dwell_over",
    # Faces (NFV4-FR; services/analysis/faces.py): one best shot per face
    # track, then the person it was recognised as, or a stranger; and the
    # rule events of /rules/pipeline.
    "face_seen",
    "person_recognised",
    "stranger",
    "watchlist_match",
    "unknown_face",
    # Licence plates (NFV4-LPR3).
    "plate_read",
    "plate_match",
    # Smart search indexing (NFV4-SS): an object seen.
    "object_seen",
    # FindFace archives (FF-BODY, FF-CAR): one best shot per body or car track.
    "body_seen",
    "car_seen",
)

#: Longest label and sub-analytic name a row holds.
MAX_LABEL = 64
MAX_SUB_ANALYTIC = 32
#: Largest thumbnail accepted, in bytes.
MAX_THUMBNAIL_BYTES = 1024 * 1024

#: The attribute that links the events of one sighting (one decided face
#: track, one vehicle's voted plate): its reading (`plate_read`,
#: `face_seen`, `person_recognised`/`stranger`) and the rule events it set off
#: (`plate_match`, `watchlist_match`, `unknown_face`) carry the same value,
#: made once where the track's events are made (`new_sighting`). Smart search
#: by text returns one result per sighting (services/search/text.py).
SIGHTING = "sighting"


def new_sighting() -> str:
    """A fresh sighting key (32 hex digits)."""
    return uuid.uuid4().hex
