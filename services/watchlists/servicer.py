"""The gRPC face of `vigil.watchlists.v1.WatchlistsService`, served by the
engine process (it holds the inference client the enrolment needs)."""

from __future__ import annotations

from datetime import datetime

import grpc

from services.watchlists.domain import WatchlistsDomain
from services.watchlists.repository import ListRow, PersonRow, PhotoRow
from vigil.watchlists.v1 import watchlists_service_pb2 as pb
from vigil.watchlists.v1 import watchlists_service_pb2_grpc


def _time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def list_pb(row: ListRow) -> pb.Watchlist:
    return pb.Watchlist(
        watchlist_id=row.id,
        name=row.name,
        description=row.description,
        person_count=row.person_count,
        created_at=_time(row.created_at),
    )


def photo_pb(row: PhotoRow) -> pb.Photo:
    face = row.face
    return pb.Photo(
        photo_id=row.id,
        person_id=row.person_id,
        box=face.get("box", []),
        score=face.get("score", 0.0),
        pose=face.get("pose", []),
        sharpness=face.get("sharpness", 0.0),
        warning=face.get("warning", ""),
        created_at=_time(row.created_at),
    )


def person_pb(row: PersonRow) -> pb.Person:
    return pb.Person(
        person_id=row.id,
        watchlist_id=row.watchlist_id,
        name=row.name,
        note=row.note,
        photos=[photo_pb(p) for p in row.photos],
        created_at=_time(row.created_at),
    )


class WatchlistsServicer(watchlists_service_pb2_grpc.WatchlistsServiceServicer):
    def __init__(self, domain: WatchlistsDomain) -> None:
        self._domain = domain

    async def CreateWatchlist(
        self, request: pb.CreateWatchlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateWatchlistResponse:
        return pb.CreateWatchlistResponse(
            watchlist=list_pb(await self._domain.create_list(request.name, request.description))
        )

    async def ListWatchlists(
        self, request: pb.ListWatchlistsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWatchlistsResponse:
        return pb.ListWatchlistsResponse(watchlists=[list_pb(r) for r in await self._domain.lists()])

    async def GetWatchlist(
        self, request: pb.GetWatchlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWatchlistResponse:
        return pb.GetWatchlistResponse(watchlist=list_pb(await self._domain.get_list(request.watchlist_id)))

    async def DeleteWatchlist(
        self, request: pb.DeleteWatchlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteWatchlistResponse:
        await self._domain.delete_list(request.watchlist_id)
        return pb.DeleteWatchlistResponse()

    async def CreatePerson(
        self, request: pb.CreatePersonRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePersonResponse:
        row = await self._domain.create_person(request.watchlist_id, request.name, request.note)
        return pb.CreatePersonResponse(person=person_pb(row))

    async def ListPersons(
        self, request: pb.ListPersonsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPersonsResponse:
        return pb.ListPersonsResponse(persons=[person_pb(r) for r in await self._domain.persons(request.watchlist_id)])

    async def GetPerson(self, request: pb.GetPersonRequest, context: grpc.aio.ServicerContext) -> pb.GetPersonResponse:
        return pb.GetPersonResponse(person=person_pb(await self._domain.get_person(request.person_id)))

    async def DeletePerson(
        self, request: pb.DeletePersonRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeletePersonResponse:
        await self._domain.delete_person(request.person_id)
        return pb.DeletePersonResponse()

    async def AddPhoto(self, request: pb.AddPhotoRequest, context: grpc.aio.ServicerContext) -> pb.AddPhotoResponse:
        return pb.AddPhotoResponse(photo=photo_pb(await self._domain.add_photo(request.person_id, request.image)))

    async def DeletePhoto(
        self, request: pb.DeletePhotoRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeletePhotoResponse:
        await self._domain.delete_photo(request.person_id, request.photo_id)
        return pb.DeletePhotoResponse()
