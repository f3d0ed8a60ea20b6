from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Point(_message.Message):
    __slots__ = ("x", "y")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ...) -> None: ...

class Area(_message.Message):
    __slots__ = ("name", "points", "direction")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    points: _containers.RepeatedCompositeFieldContainer[Point]
    direction: str
    def __init__(self, name: _Optional[str] = ..., points: _Optional[_Iterable[_Union[Point, _Mapping]]] = ..., direction: _Optional[str] = ...) -> None: ...

class SubAnalytic(_message.Message):
    __slots__ = ("name", "is_active", "areas", "object_confidence_threshold")
    NAME_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    AREAS_FIELD_NUMBER: _ClassVar[int]
    OBJECT_CONFIDENCE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    name: str
    is_active: bool
    areas: _containers.RepeatedCompositeFieldContainer[Area]
    object_confidence_threshold: float
    def __init__(self, name: _Optional[str] = ..., is_active: _Optional[bool] = ..., areas: _Optional[_Iterable[_Union[Area, _Mapping]]] = ..., object_confidence_threshold: _Optional[float] = ...) -> None: ...

class PipelineConfig(_message.Message):
    __slots__ = ("args", "env", "object_confidence_threshold", "sub_analytics")
    ARGS_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    OBJECT_CONFIDENCE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SUB_ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    args: _struct_pb2.Struct
    env: _struct_pb2.Struct
    object_confidence_threshold: float
    sub_analytics: _containers.RepeatedCompositeFieldContainer[SubAnalytic]
    def __init__(self, args: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., env: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., object_confidence_threshold: _Optional[float] = ..., sub_analytics: _Optional[_Iterable[_Union[SubAnalytic, _Mapping]]] = ...) -> None: ...
