from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClassificationStatus(_message.Message):
    __slots__ = ("classify", "video")
    CLASSIFY_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    classify: str
    video: str
    def __init__(self, classify: _Optional[str] = ..., video: _Optional[str] = ...) -> None: ...

class VideoInfo(_message.Message):
    __slots__ = ("videoname", "filesize", "specs")
    class SpecsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    VIDEONAME_FIELD_NUMBER: _ClassVar[int]
    FILESIZE_FIELD_NUMBER: _ClassVar[int]
    SPECS_FIELD_NUMBER: _ClassVar[int]
    videoname: str
    filesize: float
    specs: _containers.ScalarMap[str, float]
    def __init__(self, videoname: _Optional[str] = ..., filesize: _Optional[float] = ..., specs: _Optional[_Mapping[str, float]] = ...) -> None: ...

class Timing(_message.Message):
    __slots__ = ("total",)
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    total: float
    def __init__(self, total: _Optional[float] = ...) -> None: ...

class Classification(_message.Message):
    __slots__ = ("id", "status", "parentId", "cameraId", "analyse_id", "tenant", "duration", "duration_seconds", "model", "version", "error_code", "error_msg", "risk", "labels", "scores", "video", "timing", "metadata", "created_at", "started_at")
    class ScoresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARENTID_FIELD_NUMBER: _ClassVar[int]
    CAMERAID_FIELD_NUMBER: _ClassVar[int]
    ANALYSE_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MSG_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    TIMING_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: ClassificationStatus
    parentId: str
    cameraId: str
    analyse_id: int
    tenant: str
    duration: int
    duration_seconds: int
    model: str
    version: str
    error_code: int
    error_msg: str
    risk: str
    labels: _containers.RepeatedScalarFieldContainer[str]
    scores: _containers.ScalarMap[str, float]
    video: VideoInfo
    timing: Timing
    metadata: _struct_pb2.Struct
    created_at: str
    started_at: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[ClassificationStatus, _Mapping]] = ..., parentId: _Optional[str] = ..., cameraId: _Optional[str] = ..., analyse_id: _Optional[int] = ..., tenant: _Optional[str] = ..., duration: _Optional[int] = ..., duration_seconds: _Optional[int] = ..., model: _Optional[str] = ..., version: _Optional[str] = ..., error_code: _Optional[int] = ..., error_msg: _Optional[str] = ..., risk: _Optional[str] = ..., labels: _Optional[_Iterable[str]] = ..., scores: _Optional[_Mapping[str, float]] = ..., video: _Optional[_Union[VideoInfo, _Mapping]] = ..., timing: _Optional[_Union[Timing, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[str] = ..., started_at: _Optional[str] = ...) -> None: ...

class ClassifyAccepted(_message.Message):
    __slots__ = ("id", "accepted_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    accepted_at: str
    def __init__(self, id: _Optional[str] = ..., accepted_at: _Optional[str] = ...) -> None: ...
