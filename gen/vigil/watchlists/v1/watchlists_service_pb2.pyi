from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Watchlist(_message.Message):
    __slots__ = ("watchlist_id", "name", "description", "person_count", "created_at")
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PERSON_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: int
    name: str
    description: str
    person_count: int
    created_at: str
    def __init__(self, watchlist_id: _Optional[int] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., person_count: _Optional[int] = ..., created_at: _Optional[str] = ...) -> None: ...

class Person(_message.Message):
    __slots__ = ("person_id", "watchlist_id", "name", "note", "photos", "created_at")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    PHOTOS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    person_id: int
    watchlist_id: int
    name: str
    note: str
    photos: _containers.RepeatedCompositeFieldContainer[Photo]
    created_at: str
    def __init__(self, person_id: _Optional[int] = ..., watchlist_id: _Optional[int] = ..., name: _Optional[str] = ..., note: _Optional[str] = ..., photos: _Optional[_Iterable[_Union[Photo, _Mapping]]] = ..., created_at: _Optional[str] = ...) -> None: ...

class Photo(_message.Message):
    __slots__ = ("photo_id", "person_id", "box", "score", "pose", "sharpness", "warning", "created_at")
    PHOTO_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    POSE_FIELD_NUMBER: _ClassVar[int]
    SHARPNESS_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    photo_id: int
    person_id: int
    box: _containers.RepeatedScalarFieldContainer[float]
    score: float
    pose: _containers.RepeatedScalarFieldContainer[float]
    sharpness: float
    warning: str
    created_at: str
    def __init__(self, photo_id: _Optional[int] = ..., person_id: _Optional[int] = ..., box: _Optional[_Iterable[float]] = ..., score: _Optional[float] = ..., pose: _Optional[_Iterable[float]] = ..., sharpness: _Optional[float] = ..., warning: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class CreateWatchlistRequest(_message.Message):
    __slots__ = ("name", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreateWatchlistResponse(_message.Message):
    __slots__ = ("watchlist",)
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    watchlist: Watchlist
    def __init__(self, watchlist: _Optional[_Union[Watchlist, _Mapping]] = ...) -> None: ...

class ListWatchlistsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListWatchlistsResponse(_message.Message):
    __slots__ = ("watchlists",)
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    watchlists: _containers.RepeatedCompositeFieldContainer[Watchlist]
    def __init__(self, watchlists: _Optional[_Iterable[_Union[Watchlist, _Mapping]]] = ...) -> None: ...

class GetWatchlistRequest(_message.Message):
    __slots__ = ("watchlist_id",)
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: int
    def __init__(self, watchlist_id: _Optional[int] = ...) -> None: ...

class GetWatchlistResponse(_message.Message):
    __slots__ = ("watchlist",)
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    watchlist: Watchlist
    def __init__(self, watchlist: _Optional[_Union[Watchlist, _Mapping]] = ...) -> None: ...

class DeleteWatchlistRequest(_message.Message):
    __slots__ = ("watchlist_id",)
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: int
    def __init__(self, watchlist_id: _Optional[int] = ...) -> None: ...

class DeleteWatchlistResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreatePersonRequest(_message.Message):
    __slots__ = ("watchlist_id", "name", "note")
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: int
    name: str
    note: str
    def __init__(self, watchlist_id: _Optional[int] = ..., name: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class CreatePersonResponse(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: Person
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class ListPersonsRequest(_message.Message):
    __slots__ = ("watchlist_id",)
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: int
    def __init__(self, watchlist_id: _Optional[int] = ...) -> None: ...

class ListPersonsResponse(_message.Message):
    __slots__ = ("persons",)
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    persons: _containers.RepeatedCompositeFieldContainer[Person]
    def __init__(self, persons: _Optional[_Iterable[_Union[Person, _Mapping]]] = ...) -> None: ...

class GetPersonRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: int
    def __init__(self, person_id: _Optional[int] = ...) -> None: ...

class GetPersonResponse(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: Person
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class DeletePersonRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: int
    def __init__(self, person_id: _Optional[int] = ...) -> None: ...

class DeletePersonResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddPhotoRequest(_message.Message):
    __slots__ = ("person_id", "image")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    person_id: int
    image: str
    def __init__(self, person_id: _Optional[int] = ..., image: _Optional[str] = ...) -> None: ...

class AddPhotoResponse(_message.Message):
    __slots__ = ("photo",)
    PHOTO_FIELD_NUMBER: _ClassVar[int]
    photo: Photo
    def __init__(self, photo: _Optional[_Union[Photo, _Mapping]] = ...) -> None: ...

class DeletePhotoRequest(_message.Message):
    __slots__ = ("person_id", "photo_id")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PHOTO_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: int
    photo_id: int
    def __init__(self, person_id: _Optional[int] = ..., photo_id: _Optional[int] = ...) -> None: ...

class DeletePhotoResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
