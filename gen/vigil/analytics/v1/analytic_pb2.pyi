from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Version(_message.Message):
    __slots__ = ("major", "minor", "patch")
    MAJOR_FIELD_NUMBER: _ClassVar[int]
    MINOR_FIELD_NUMBER: _ClassVar[int]
    PATCH_FIELD_NUMBER: _ClassVar[int]
    major: int
    minor: int
    patch: int
    def __init__(self, major: _Optional[int] = ..., minor: _Optional[int] = ..., patch: _Optional[int] = ...) -> None: ...

class Seat(_message.Message):
    __slots__ = ("serial_number", "active_status")
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_STATUS_FIELD_NUMBER: _ClassVar[int]
    serial_number: str
    active_status: bool
    def __init__(self, serial_number: _Optional[str] = ..., active_status: _Optional[bool] = ...) -> None: ...

class Analytic(_message.Message):
    __slots__ = ("id", "name", "major_version", "minor_version", "publisher", "description", "type", "seats", "models")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MAJOR_VERSION_FIELD_NUMBER: _ClassVar[int]
    MINOR_VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    major_version: int
    minor_version: int
    publisher: str
    description: str
    type: str
    seats: _containers.RepeatedCompositeFieldContainer[Seat]
    models: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., major_version: _Optional[int] = ..., minor_version: _Optional[int] = ..., publisher: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[str] = ..., seats: _Optional[_Iterable[_Union[Seat, _Mapping]]] = ..., models: _Optional[_Iterable[str]] = ...) -> None: ...

class CatalogAnalytic(_message.Message):
    __slots__ = ("id", "name", "description", "publisher", "type", "major_version", "minor_version", "free_seats", "all_seats", "seats", "models")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MAJOR_VERSION_FIELD_NUMBER: _ClassVar[int]
    MINOR_VERSION_FIELD_NUMBER: _ClassVar[int]
    FREE_SEATS_FIELD_NUMBER: _ClassVar[int]
    ALL_SEATS_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    publisher: str
    type: str
    major_version: int
    minor_version: int
    free_seats: int
    all_seats: int
    seats: _containers.RepeatedCompositeFieldContainer[Seat]
    models: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., publisher: _Optional[str] = ..., type: _Optional[str] = ..., major_version: _Optional[int] = ..., minor_version: _Optional[int] = ..., free_seats: _Optional[int] = ..., all_seats: _Optional[int] = ..., seats: _Optional[_Iterable[_Union[Seat, _Mapping]]] = ..., models: _Optional[_Iterable[str]] = ...) -> None: ...

class ActiveAnalytics(_message.Message):
    __slots__ = ("analytic_num", "analytics")
    ANALYTIC_NUM_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    analytic_num: int
    analytics: _containers.RepeatedCompositeFieldContainer[CatalogAnalytic]
    def __init__(self, analytic_num: _Optional[int] = ..., analytics: _Optional[_Iterable[_Union[CatalogAnalytic, _Mapping]]] = ...) -> None: ...

class ConfigField(_message.Message):
    __slots__ = ("name", "type", "label", "description", "value", "required", "min", "max", "step")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    label: str
    description: str
    value: _struct_pb2.Value
    required: bool
    min: float
    max: float
    step: float
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., required: _Optional[bool] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., step: _Optional[float] = ...) -> None: ...

class SubAnalyticForm(_message.Message):
    __slots__ = ("name", "display_name", "configs")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIGS_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    configs: _containers.RepeatedCompositeFieldContainer[ConfigField]
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., configs: _Optional[_Iterable[_Union[ConfigField, _Mapping]]] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ("stream_id", "analytic_id", "node_num", "timestamp_ms", "similarity", "image_jpeg", "primary_text", "secondary_text")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    IMAGE_JPEG_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_TEXT_FIELD_NUMBER: _ClassVar[int]
    SECONDARY_TEXT_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    analytic_id: str
    node_num: int
    timestamp_ms: float
    similarity: float
    image_jpeg: str
    primary_text: str
    secondary_text: str
    def __init__(self, stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ..., node_num: _Optional[int] = ..., timestamp_ms: _Optional[float] = ..., similarity: _Optional[float] = ..., image_jpeg: _Optional[str] = ..., primary_text: _Optional[str] = ..., secondary_text: _Optional[str] = ...) -> None: ...
