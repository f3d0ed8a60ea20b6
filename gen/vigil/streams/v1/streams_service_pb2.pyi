from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from vigil.streams.v1 import stream_pb2 as _stream_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListStreamsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListStreamsResponse(_message.Message):
    __slots__ = ("stream_number", "streams")
    STREAM_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    stream_number: int
    streams: _containers.RepeatedCompositeFieldContainer[_stream_pb2.Stream]
    def __init__(self, stream_number: _Optional[int] = ..., streams: _Optional[_Iterable[_Union[_stream_pb2.Stream, _Mapping]]] = ...) -> None: ...

class ListNodeStreamsRequest(_message.Message):
    __slots__ = ("node_num",)
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    def __init__(self, node_num: _Optional[int] = ...) -> None: ...

class ListNodeStreamsResponse(_message.Message):
    __slots__ = ("stream_number", "streams")
    STREAM_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    stream_number: int
    streams: _containers.RepeatedCompositeFieldContainer[_stream_pb2.Stream]
    def __init__(self, stream_number: _Optional[int] = ..., streams: _Optional[_Iterable[_Union[_stream_pb2.Stream, _Mapping]]] = ...) -> None: ...

class CreateStreamRequest(_message.Message):
    __slots__ = ("node_num", "stream_address", "stream_name", "stream_latitude", "stream_longitude", "stream_custom_data")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STREAM_NAME_FIELD_NUMBER: _ClassVar[int]
    STREAM_LATITUDE_FIELD_NUMBER: _ClassVar[int]
    STREAM_LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    STREAM_CUSTOM_DATA_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_address: str
    stream_name: str
    stream_latitude: float
    stream_longitude: float
    stream_custom_data: _struct_pb2.Struct
    def __init__(self, node_num: _Optional[int] = ..., stream_address: _Optional[str] = ..., stream_name: _Optional[str] = ..., stream_latitude: _Optional[float] = ..., stream_longitude: _Optional[float] = ..., stream_custom_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreateStreamResponse(_message.Message):
    __slots__ = ("code", "ok", "message", "node_num", "stream_id", "stream_address", "stream_name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STREAM_NAME_FIELD_NUMBER: _ClassVar[int]
    code: int
    ok: bool
    message: str
    node_num: int
    stream_id: str
    stream_address: str
    stream_name: str
    def __init__(self, code: _Optional[int] = ..., ok: _Optional[bool] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., stream_address: _Optional[str] = ..., stream_name: _Optional[str] = ...) -> None: ...

class GetStreamRequest(_message.Message):
    __slots__ = ("node_num", "stream_id")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ...) -> None: ...

class GetStreamResponse(_message.Message):
    __slots__ = ("stream_id", "stream_name", "stream_address", "stream_node_num", "stream_latitude", "stream_longitude", "stream_custom_data", "pipelines", "seats", "stream_stats")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_NAME_FIELD_NUMBER: _ClassVar[int]
    STREAM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STREAM_NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_LATITUDE_FIELD_NUMBER: _ClassVar[int]
    STREAM_LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    STREAM_CUSTOM_DATA_FIELD_NUMBER: _ClassVar[int]
    PIPELINES_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    STREAM_STATS_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    stream_name: str
    stream_address: str
    stream_node_num: int
    stream_latitude: float
    stream_longitude: float
    stream_custom_data: _struct_pb2.Struct
    pipelines: _containers.RepeatedScalarFieldContainer[str]
    seats: _containers.RepeatedCompositeFieldContainer[_stream_pb2.Seat]
    stream_stats: _stream_pb2.StreamStats
    def __init__(self, stream_id: _Optional[str] = ..., stream_name: _Optional[str] = ..., stream_address: _Optional[str] = ..., stream_node_num: _Optional[int] = ..., stream_latitude: _Optional[float] = ..., stream_longitude: _Optional[float] = ..., stream_custom_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., pipelines: _Optional[_Iterable[str]] = ..., seats: _Optional[_Iterable[_Union[_stream_pb2.Seat, _Mapping]]] = ..., stream_stats: _Optional[_Union[_stream_pb2.StreamStats, _Mapping]] = ...) -> None: ...

class UpdateStreamRequest(_message.Message):
    __slots__ = ("node_num", "stream_id", "stream_address", "stream_name", "stream_latitude", "stream_longitude", "stream_custom_data")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STREAM_NAME_FIELD_NUMBER: _ClassVar[int]
    STREAM_LATITUDE_FIELD_NUMBER: _ClassVar[int]
    STREAM_LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    STREAM_CUSTOM_DATA_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    stream_address: str
    stream_name: str
    stream_latitude: float
    stream_longitude: float
    stream_custom_data: _struct_pb2.Struct
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., stream_address: _Optional[str] = ..., stream_name: _Optional[str] = ..., stream_latitude: _Optional[float] = ..., stream_longitude: _Optional[float] = ..., stream_custom_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateStreamResponse(_message.Message):
    __slots__ = ("code", "message", "node_num", "stream_id", "stream_address", "stream_name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STREAM_NAME_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    node_num: int
    stream_id: str
    stream_address: str
    stream_name: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., stream_address: _Optional[str] = ..., stream_name: _Optional[str] = ...) -> None: ...

class DeleteStreamRequest(_message.Message):
    __slots__ = ("node_num", "stream_id")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ...) -> None: ...

class DeleteStreamResponse(_message.Message):
    __slots__ = ("code", "message", "node_num", "stream_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    node_num: int
    stream_id: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ...) -> None: ...
