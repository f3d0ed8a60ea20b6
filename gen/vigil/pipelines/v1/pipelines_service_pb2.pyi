from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from vigil.pipelines.v1 import pipeline_pb2 as _pipeline_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
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
    config: _pipeline_pb2.PipelineConfig
    def __init__(self, analytic_id: _Optional[str] = ..., code: _Optional[int] = ..., message: _Optional[str] = ..., node_num: _Optional[int] = ..., stream_id: _Optional[str] = ..., config: _Optional[_Union[_pipeline_pb2.PipelineConfig, _Mapping]] = ...) -> None: ...

class CreatePipelineRequest(_message.Message):
    __slots__ = ("node_id", "stream_id", "analytic_id", "instance_id", "sub_analytics", "object_confidence_threshold", "args", "env")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    OBJECT_CONFIDENCE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    stream_id: str
    analytic_id: str
    instance_id: str
    sub_analytics: _containers.RepeatedCompositeFieldContainer[_pipeline_pb2.SubAnalytic]
    object_confidence_threshold: float
    args: _struct_pb2.Struct
    env: _struct_pb2.Struct
    def __init__(self, node_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ..., instance_id: _Optional[str] = ..., sub_analytics: _Optional[_Iterable[_Union[_pipeline_pb2.SubAnalytic, _Mapping]]] = ..., object_confidence_threshold: _Optional[float] = ..., args: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., env: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("node_id", "stream_id", "analytic_id", "instance_id", "sub_analytics", "object_confidence_threshold", "args", "env")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    OBJECT_CONFIDENCE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    stream_id: str
    analytic_id: str
    instance_id: str
    sub_analytics: _containers.RepeatedCompositeFieldContainer[_pipeline_pb2.SubAnalytic]
    object_confidence_threshold: float
    args: _struct_pb2.Struct
    env: _struct_pb2.Struct
    def __init__(self, node_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., analytic_id: _Optional[str] = ..., instance_id: _Optional[str] = ..., sub_analytics: _Optional[_Iterable[_Union[_pipeline_pb2.SubAnalytic, _Mapping]]] = ..., object_confidence_threshold: _Optional[float] = ..., args: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., env: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

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
