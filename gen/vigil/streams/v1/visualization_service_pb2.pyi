from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GetMjpegRequest(_message.Message):
    __slots__ = ("node_num", "stream_id", "fps", "height", "jpeg_quality")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    JPEG_QUALITY_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    fps: int
    height: int
    jpeg_quality: int
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., fps: _Optional[int] = ..., height: _Optional[int] = ..., jpeg_quality: _Optional[int] = ...) -> None: ...

class GetMjpegOverlayRequest(_message.Message):
    __slots__ = ("node_num", "stream_id", "analytic_id", "fps", "height", "jpeg_quality")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    JPEG_QUALITY_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    analytic_id: str
    fps: int
    height: int
    jpeg_quality: int
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ..., fps: _Optional[int] = ..., height: _Optional[int] = ..., jpeg_quality: _Optional[int] = ...) -> None: ...

class GetStreamJpegRequest(_message.Message):
    __slots__ = ("node_num", "stream_id")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ...) -> None: ...

class GetVisualRequest(_message.Message):
    __slots__ = ("node_num", "stream_id")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ...) -> None: ...

class GetVisualOverlayRequest(_message.Message):
    __slots__ = ("node_num", "stream_id", "analytic_id")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    stream_id: str
    analytic_id: str
    def __init__(self, node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ...) -> None: ...
