"""Watch lists: the rules of the `vigil.watchlists.v1` extension (names,
notes, enrolment) over the repository. Enrolling a photo detects its faces
(YuNet), refuses a photo with none or with more than one ("no face found",
"more than one face") or a face smaller than `MIN_FACE`, aligns and embeds
the face (SFace), judges its quality (a turned or blurred face is enrolled
with a `warning`) and stores the embedding; the photo is not kept."""

from __future__ import annotations

import asyncio
from typing import Any

from services.analysis.faces import QualityLimits, judge
from services.common.errors import InvalidArgument
from services.engine.faces import FaceModels, embed_still, still_faces
from services.media.still import MAX_JPEG_BYTES, base64_jpeg
from services.watchlists.repository import ListRow, PersonRow, PhotoRow, WatchlistRepository

MAX_LIST_NAME = 128
MAX_DESCRIPTION = 1024
MAX_NAME = 255
MAX_NOTE = 255
#: The largest photo, decoded (the edge refuses bodies over
#: VIGIL_EDGE_MAX_JSON_BYTES before that, 1 MiB by default).
MAX_PHOTO_BYTES = MAX_JPEG_BYTES
#: The smallest enrolled face, in pixels high.
MIN_FACE = 40


def _text(field: str, value: str, longest: int, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidArgument(f"{field} is required")
    if len(text) > longest:
        raise InvalidArgument(f"{field} is longer than {longest} characters")
    if any(ord(c) < 32 for c in text):
        raise InvalidArgument(f"{field} has control characters")
    return text


def _id(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(f"{field} must be a positive whole number")
    return value


def decode_photo(image: str) -> bytes:
    """The JPEG of a base64 photo; InvalidArgument when it is not one."""
    if not image.strip():
        raise InvalidArgument("image is required (a base64 JPEG)")
    return base64_jpeg(image, "image", MAX_PHOTO_BYTES)


class WatchlistsDomain:
    def __init__(self, repo: WatchlistRepository, models: FaceModels, limits: QualityLimits | None = None) -> None:
        self._repo = repo
        self._models = models
        self._limits = limits or QualityLimits()

    async def create_list(self, name: str, description: str) -> ListRow:
        name = _text("name", name, MAX_LIST_NAME, required=True)
        description = _text("description", description, MAX_DESCRIPTION, required=False)
        return await asyncio.to_thread(self._repo.create_list, name, description)

    async def lists(self) -> list[ListRow]:
        return await asyncio.to_thread(self._repo.lists)

    async def get_list(self, watchlist_id: int) -> ListRow:
        return await asyncio.to_thread(self._repo.get_list, _id("watchlist_id", watchlist_id))

    async def delete_list(self, watchlist_id: int) -> None:
        await asyncio.to_thread(self._repo.delete_list, _id("watchlist_id", watchlist_id))

    async def create_person(self, watchlist_id: int, name: str, note: str) -> PersonRow:
        name = _text("name", name, MAX_NAME, required=True)
        note = _text("note", note, MAX_NOTE, required=False)
        return await asyncio.to_thread(self._repo.create_person, _id("watchlist_id", watchlist_id), name, note)

    async def persons(self, watchlist_id: int) -> list[PersonRow]:
        await self.get_list(watchlist_id)
        return await asyncio.to_thread(self._repo.persons, watchlist_id=watchlist_id)

    async def get_person(self, person_id: int) -> PersonRow:
        return await asyncio.to_thread(self._repo.get_person, _id("person_id", person_id))

    async def delete_person(self, person_id: int) -> None:
        await asyncio.to_thread(self._repo.delete_person, _id("person_id", person_id))

    async def add_photo(self, person_id: int, image: str) -> PhotoRow:
        person_id = _id("person_id", person_id)
        jpeg = decode_photo(image)
        await asyncio.to_thread(self._repo.get_person, person_id)  # 404 before the models work
        rgb, faces = await still_faces(self._models, jpeg, "the photo")
        if not faces:
            raise InvalidArgument("no face found")
        if len(faces) > 1:
            raise InvalidArgument(f"more than one face ({len(faces)} found): enrol a photo of one person")
        face = faces[0]
        height = face.box[3] - face.box[1]
        if height < MIN_FACE:
            raise InvalidArgument(f"the face is too small ({height:.0f} pixels high, at least {MIN_FACE})")
        still = await embed_still(self._models, rgb, face)
        quality = judge(face, still.aligned, self._limits)
        record: dict[str, Any] = {
            "box": [round(float(v), 1) for v in face.box],
            "score": round(float(face.score), 4),
            "pose": [round(quality.yaw, 1), round(quality.pitch, 1), round(quality.roll, 1)],
            "sharpness": round(quality.sharpness, 1),
            "warning": quality.problem,
        }
        vector = [float(v) for v in still.embedding]
        return await asyncio.to_thread(self._repo.add_photo, person_id, vector, record)

    async def delete_photo(self, person_id: int, photo_id: int) -> None:
        await asyncio.to_thread(self._repo.delete_photo, _id("person_id", person_id), _id("photo_id", photo_id))
