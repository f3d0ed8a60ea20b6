from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Event(_message.Message):
    __slots__ = ("id", "stream_id", "node_num", "analytic_id", "sub_analytic", "type", "track_id", "label", "score", "box", "time", "created_at", "thumbnail_url", "attributes", "primary_text", "secondary_text")
    ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_ANALYTIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_URL_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_TEXT_FIELD_NUMBER: _ClassVar[int]
    SECONDARY_TEXT_FIELD_NUMBER: _ClassVar[int]
    id: float
    stream_id: str
    node_num: int
    analytic_id: str
    sub_analytic: str
    type: str
    track_id: float
    label: str
    score: float
    box: _containers.RepeatedScalarFieldContainer[float]
    time: str
    created_at: str
    thumbnail_url: str
    attributes: _struct_pb2.Struct
    primary_text: str
    secondary_text: str
    def __init__(self, id: _Optional[float] = ..., stream_id: _Optional[str] = ..., node_num: _Optional[int] = ..., analytic_id: _Optional[str] = ..., sub_analytic: _Optional[str] = ..., type: _Optional[str] = ..., track_id: _Optional[float] = ..., label: _Optional[str] = ..., score: _Optional[float] = ..., box: _Optional[_Iterable[float]] = ..., time: _Optional[str] = ..., created_at: _Optional[str] = ..., thumbnail_url: _Optional[str] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., primary_text: _Optional[str] = ..., secondary_text: _Optional[str] = ...) -> None: ...
