from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetPipelineRequest(_message.Message):
    __slots__ = ("node_id", "stream_id", "analytic_id", "instance_id")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    stream_id: str
    analytic_id: str
    instance_id: str
    def __init__(self, node_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ..., instance_id: _Optional[str] = ...) -> None: ...

class GetPipelineResponse(_message.Message):
    __slots__ = ("analytic_id", "code", "message", "node_num", "stream_id", "config")
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    code: int
    message: str
    node_num: int
    stream_id: str
    config: _struct_pb2.Struct
    def __init__(self, analytic_id: _Optional[str] = ..., code: _Optional[int] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreatePipelineRequest(_message.Message):
    __slots__ = ("node_id", "stream_id", "analytic_id", "instance_id", "config")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    stream_id: str
    analytic_id: str
    instance_id: str
    config: _struct_pb2.Struct
    def __init__(self, node_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ..., instance_id: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreatePipelineResponse(_message.Message):
    __slots__ = ("analytic_id", "code", "message", "node_num", "stream_id", "ok")
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    code: int
    message: str
    node_num: int
    stream_id: str
    ok: bool
    def __init__(self, analytic_id: _Optional[str] = ..., code: _Optional[int] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., ok: _Optional[bool] = ...) -> None: ...

class UpdatePipelineRequest(_message.Message):
    __slots__ = ("node_id", "stream_id", "analytic_id", "instance_id", "config")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    stream_id: str
    analytic_id: str
    instance_id: str
    config: _struct_pb2.Struct
    def __init__(self, node_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ..., instance_id: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdatePipelineResponse(_message.Message):
    __slots__ = ("analytic_id", "code", "message", "node_num", "stream_id", "ok")
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    code: int
    message: str
    node_num: int
    stream_id: str
    ok: bool
    def __init__(self, analytic_id: _Optional[str] = ..., code: _Optional[int] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., ok: _Optional[bool] = ...) -> None: ...

class DeletePipelineRequest(_message.Message):
    __slots__ = ("node_id", "stream_id", "analytic_id", "instance_id")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    stream_id: str
    analytic_id: str
    instance_id: str
    def __init__(self, node_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ..., instance_id: _Optional[str] = ...) -> None: ...

class DeletePipelineResponse(_message.Message):
    __slots__ = ("analytic_id", "code", "message", "node_num", "stream_id", "ok")
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    code: int
    message: str
    node_num: int
    stream_id: str
    ok: bool
    def __init__(self, analytic_id: _Optional[str] = ..., code: _Optional[int] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., ok: _Optional[bool] = ...) -> None: ...
