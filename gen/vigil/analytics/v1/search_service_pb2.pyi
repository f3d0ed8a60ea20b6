from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from vigil.analytics.v1 import analytic_pb2 as _analytic_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SmartSearchRequest(_message.Message):
    __slots__ = ("type", "query", "limit", "stream_id", "since", "until")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    type: str
    query: str
    limit: int
    stream_id: str
    since: str
    until: str
    def __init__(self, type: _Optional[str] = ..., query: _Optional[str] = ..., limit: _Optional[int] = ..., stream_id: _Optional[str] = ..., since: _Optional[str] = ..., until: _Optional[str] = ...) -> None: ...

class SmartSearchResponse(_message.Message):
    __slots__ = ("code", "message", "results")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    results: _containers.RepeatedCompositeFieldContainer[_analytic_pb2.SearchResult]
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., results: _Optional[_Iterable[_Union[_analytic_pb2.SearchResult, _Mapping]]] = ...) -> None: ...

class ExtractRequest(_message.Message):
    __slots__ = ("node_num", "stream_id", "pipeline_id", "image", "metadata")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    PIPELINE_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    pipeline_id: str
    image: str
    metadata: _struct_pb2.Struct
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., pipeline_id: _Optional[str] = ..., image: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ExtractResponse(_message.Message):
    __slots__ = ("code", "message", "node_num", "stream_id", "pipeline_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    PIPELINE_ID_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    node_num: int
    stream_id: str
    pipeline_id: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., pipeline_id: _Optional[str] = ...) -> None: ...
