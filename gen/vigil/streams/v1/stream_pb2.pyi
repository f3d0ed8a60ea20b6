from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Stream(_message.Message):
    __slots__ = ("stream_id", "stream_name", "stream_address", "stream_node_num", "stream_latitude", "stream_longitude", "stream_custom_data")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_NAME_FIELD_NUMBER: _ClassVar[int]
    STREAM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STREAM_NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_LATITUDE_FIELD_NUMBER: _ClassVar[int]
    STREAM_LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    STREAM_CUSTOM_DATA_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    stream_name: str
    stream_address: str
    stream_node_num: int
    stream_latitude: float
    stream_longitude: float
    stream_custom_data: _struct_pb2.Struct
    def __init__(self, stream_id: _Optional[str] = ..., stream_name: _Optional[str] = ..., stream_address: _Optional[str] = ..., stream_node_num: _Optional[int] = ..., stream_latitude: _Optional[float] = ..., stream_longitude: _Optional[float] = ..., stream_custom_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Seat(_message.Message):
    __slots__ = ("analytic_id", "serial_number")
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    serial_number: str
    def __init__(self, analytic_id: _Optional[str] = ..., serial_number: _Optional[str] = ...) -> None: ...

class StreamStats(_message.Message):
    __slots__ = ("fps", "frame_width", "frame_height", "state", "last_error_msg")
    FPS_FIELD_NUMBER: _ClassVar[int]
    FRAME_WIDTH_FIELD_NUMBER: _ClassVar[int]
    FRAME_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_MSG_FIELD_NUMBER: _ClassVar[int]
    fps: float
    frame_width: int
    frame_height: int
    state: str
    last_error_msg: str
    def __init__(self, fps: _Optional[float] = ..., frame_width: _Optional[int] = ..., frame_height: _Optional[int] = ..., state: _Optional[str] = ..., last_error_msg: _Optional[str] = ...) -> None: ...
