from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from vigil.uploads.v1 import archive_pb2 as _archive_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListArchivesRequest(_message.Message):
    __slots__ = ("case_in", "created_date_gt", "created_date_gte", "created_date_last_n_days", "created_date_lt", "created_date_lte", "created_date_nth_full_week", "created_date_nth_work_week", "limit", "name", "ordering", "page", "save_to")
    CASE_IN_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_GT_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_LAST_N_DAYS_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_LT_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_LTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_NTH_FULL_WEEK_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_NTH_WORK_WEEK_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SAVE_TO_FIELD_NUMBER: _ClassVar[int]
    case_in: str
    created_date_gt: str
    created_date_gte: str
    created_date_last_n_days: int
    created_date_lt: str
    created_date_lte: str
    created_date_nth_full_week: int
    created_date_nth_work_week: int
    limit: str
    name: str
    ordering: str
    page: str
    save_to: str
    def __init__(self, case_in: _Optional[str] = ..., created_date_gt: _Optional[str] = ..., created_date_gte: _Optional[str] = ..., created_date_last_n_days: _Optional[int] = ..., created_date_lt: _Optional[str] = ..., created_date_lte: _Optional[str] = ..., created_date_nth_full_week: _Optional[int] = ..., created_date_nth_work_week: _Optional[int] = ..., limit: _Optional[str] = ..., name: _Optional[str] = ..., ordering: _Optional[str] = ..., page: _Optional[str] = ..., save_to: _Optional[str] = ...) -> None: ...

class ListArchivesResponse(_message.Message):
    __slots__ = ("next_page", "prev_page", "results")
    NEXT_PAGE_FIELD_NUMBER: _ClassVar[int]
    PREV_PAGE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    next_page: _struct_pb2.Value
    prev_page: _struct_pb2.Value
    results: _containers.RepeatedCompositeFieldContainer[_archive_pb2.VideoArchive]
    def __init__(self, next_page: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., prev_page: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., results: _Optional[_Iterable[_Union[_archive_pb2.VideoArchive, _Mapping]]] = ...) -> None: ...

class CreateArchiveRequest(_message.Message):
    __slots__ = ("camera_group", "name", "url", "camera", "stream_settings", "case")
    CAMERA_GROUP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    STREAM_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    camera_group: int
    name: _struct_pb2.Value
    url: _struct_pb2.Value
    camera: _struct_pb2.Value
    stream_settings: _archive_pb2.StreamSettings
    case: _struct_pb2.Value
    def __init__(self, camera_group: _Optional[int] = ..., name: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., url: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., camera: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., stream_settings: _Optional[_Union[_archive_pb2.StreamSettings, _Mapping]] = ..., case: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class CreateArchiveResponse(_message.Message):
    __slots__ = ("id", "camera_group", "name", "url", "camera", "processing_start_date", "active", "screenshot", "stream_settings", "source_len", "health_status", "finished", "queued", "face_count", "file_size", "created_date", "body_count", "car_count", "case", "face_cluster_count", "body_cluster_count", "car_cluster_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_GROUP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_START_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SCREENSHOT_FIELD_NUMBER: _ClassVar[int]
    STREAM_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_LEN_FIELD_NUMBER: _ClassVar[int]
    HEALTH_STATUS_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    FACE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    BODY_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAR_COUNT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    FACE_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    BODY_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAR_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: int
    camera_group: int
    name: _struct_pb2.Value
    url: _struct_pb2.Value
    camera: _struct_pb2.Value
    processing_start_date: _struct_pb2.Value
    active: bool
    screenshot: str
    stream_settings: _archive_pb2.StreamSettings
    source_len: _struct_pb2.Value
    health_status: _archive_pb2.HealthStatus
    finished: bool
    queued: bool
    face_count: int
    file_size: float
    created_date: str
    body_count: int
    car_count: int
    case: _struct_pb2.Value
    face_cluster_count: _struct_pb2.Value
    body_cluster_count: _struct_pb2.Value
    car_cluster_count: _struct_pb2.Value
    def __init__(self, id: _Optional[int] = ..., camera_group: _Optional[int] = ..., name: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., url: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., camera: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., processing_start_date: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., active: _Optional[bool] = ..., screenshot: _Optional[str] = ..., stream_settings: _Optional[_Union[_archive_pb2.StreamSettings, _Mapping]] = ..., source_len: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., health_status: _Optional[_Union[_archive_pb2.HealthStatus, _Mapping]] = ..., finished: _Optional[bool] = ..., queued: _Optional[bool] = ..., face_count: _Optional[int] = ..., file_size: _Optional[float] = ..., created_date: _Optional[str] = ..., body_count: _Optional[int] = ..., car_count: _Optional[int] = ..., case: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., face_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., body_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., car_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class GetArchiveRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetArchiveResponse(_message.Message):
    __slots__ = ("id", "camera_group", "name", "url", "camera", "processing_start_date", "active", "screenshot", "stream_settings", "source_len", "health_status", "finished", "queued", "face_count", "file_size", "created_date", "body_count", "car_count", "case", "face_cluster_count", "body_cluster_count", "car_cluster_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_GROUP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_START_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SCREENSHOT_FIELD_NUMBER: _ClassVar[int]
    STREAM_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_LEN_FIELD_NUMBER: _ClassVar[int]
    HEALTH_STATUS_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    FACE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    BODY_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAR_COUNT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    FACE_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    BODY_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAR_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: int
    camera_group: int
    name: _struct_pb2.Value
    url: _struct_pb2.Value
    camera: _struct_pb2.Value
    processing_start_date: _struct_pb2.Value
    active: bool
    screenshot: str
    stream_settings: _archive_pb2.StreamSettings
    source_len: _struct_pb2.Value
    health_status: _archive_pb2.HealthStatus
    finished: bool
    queued: bool
    face_count: int
    file_size: float
    created_date: str
    body_count: int
    car_count: int
    case: _struct_pb2.Value
    face_cluster_count: _struct_pb2.Value
    body_cluster_count: _struct_pb2.Value
    car_cluster_count: _struct_pb2.Value
    def __init__(self, id: _Optional[int] = ..., camera_group: _Optional[int] = ..., name: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., url: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., camera: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., processing_start_date: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., active: _Optional[bool] = ..., screenshot: _Optional[str] = ..., stream_settings: _Optional[_Union[_archive_pb2.StreamSettings, _Mapping]] = ..., source_len: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., health_status: _Optional[_Union[_archive_pb2.HealthStatus, _Mapping]] = ..., finished: _Optional[bool] = ..., queued: _Optional[bool] = ..., face_count: _Optional[int] = ..., file_size: _Optional[float] = ..., created_date: _Optional[str] = ..., body_count: _Optional[int] = ..., car_count: _Optional[int] = ..., case: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., face_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., body_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., car_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class UpdateArchiveRequest(_message.Message):
    __slots__ = ("id", "camera_group", "name", "url", "camera", "stream_settings", "case")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_GROUP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    STREAM_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    id: int
    camera_group: int
    name: _struct_pb2.Value
    url: _struct_pb2.Value
    camera: _struct_pb2.Value
    stream_settings: _archive_pb2.StreamSettings
    case: _struct_pb2.Value
    def __init__(self, id: _Optional[int] = ..., camera_group: _Optional[int] = ..., name: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., url: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., camera: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., stream_settings: _Optional[_Union[_archive_pb2.StreamSettings, _Mapping]] = ..., case: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class UpdateArchiveResponse(_message.Message):
    __slots__ = ("id", "camera_group", "name", "url", "camera", "processing_start_date", "active", "screenshot", "stream_settings", "source_len", "health_status", "finished", "queued", "face_count", "file_size", "created_date", "body_count", "car_count", "case", "face_cluster_count", "body_cluster_count", "car_cluster_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_GROUP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_START_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SCREENSHOT_FIELD_NUMBER: _ClassVar[int]
    STREAM_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_LEN_FIELD_NUMBER: _ClassVar[int]
    HEALTH_STATUS_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    FACE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    BODY_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAR_COUNT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    FACE_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    BODY_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAR_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: int
    camera_group: int
    name: _struct_pb2.Value
    url: _struct_pb2.Value
    camera: _struct_pb2.Value
    processing_start_date: _struct_pb2.Value
    active: bool
    screenshot: str
    stream_settings: _archive_pb2.StreamSettings
    source_len: _struct_pb2.Value
    health_status: _archive_pb2.HealthStatus
    finished: bool
    queued: bool
    face_count: int
    file_size: float
    created_date: str
    body_count: int
    car_count: int
    case: _struct_pb2.Value
    face_cluster_count: _struct_pb2.Value
    body_cluster_count: _struct_pb2.Value
    car_cluster_count: _struct_pb2.Value
    def __init__(self, id: _Optional[int] = ..., camera_group: _Optional[int] = ..., name: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., url: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., camera: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., processing_start_date: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., active: _Optional[bool] = ..., screenshot: _Optional[str] = ..., stream_settings: _Optional[_Union[_archive_pb2.StreamSettings, _Mapping]] = ..., source_len: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., health_status: _Optional[_Union[_archive_pb2.HealthStatus, _Mapping]] = ..., finished: _Optional[bool] = ..., queued: _Optional[bool] = ..., face_count: _Optional[int] = ..., file_size: _Optional[float] = ..., created_date: _Optional[str] = ..., body_count: _Optional[int] = ..., car_count: _Optional[int] = ..., case: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., face_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., body_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., car_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class PatchArchiveRequest(_message.Message):
    __slots__ = ("id", "camera_group", "name", "url", "camera", "stream_settings", "case")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_GROUP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    STREAM_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    id: int
    camera_group: int
    name: _struct_pb2.Value
    url: _struct_pb2.Value
    camera: _struct_pb2.Value
    stream_settings: _archive_pb2.StreamSettings
    case: _struct_pb2.Value
    def __init__(self, id: _Optional[int] = ..., camera_group: _Optional[int] = ..., name: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., url: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., camera: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., stream_settings: _Optional[_Union[_archive_pb2.StreamSettings, _Mapping]] = ..., case: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class PatchArchiveResponse(_message.Message):
    __slots__ = ("id", "camera_group", "name", "url", "camera", "processing_start_date", "active", "screenshot", "stream_settings", "source_len", "health_status", "finished", "queued", "face_count", "file_size", "created_date", "body_count", "car_count", "case", "face_cluster_count", "body_cluster_count", "car_cluster_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_GROUP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_START_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SCREENSHOT_FIELD_NUMBER: _ClassVar[int]
    STREAM_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_LEN_FIELD_NUMBER: _ClassVar[int]
    HEALTH_STATUS_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    FACE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_FIELD_NUMBER: _ClassVar[int]
    BODY_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAR_COUNT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    FACE_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    BODY_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAR_CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: int
    camera_group: int
    name: _struct_pb2.Value
    url: _struct_pb2.Value
    camera: _struct_pb2.Value
    processing_start_date: _struct_pb2.Value
    active: bool
    screenshot: str
    stream_settings: _archive_pb2.StreamSettings
    source_len: _struct_pb2.Value
    health_status: _archive_pb2.HealthStatus
    finished: bool
    queued: bool
    face_count: int
    file_size: float
    created_date: str
    body_count: int
    car_count: int
    case: _struct_pb2.Value
    face_cluster_count: _struct_pb2.Value
    body_cluster_count: _struct_pb2.Value
    car_cluster_count: _struct_pb2.Value
    def __init__(self, id: _Optional[int] = ..., camera_group: _Optional[int] = ..., name: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., url: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., camera: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., processing_start_date: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., active: _Optional[bool] = ..., screenshot: _Optional[str] = ..., stream_settings: _Optional[_Union[_archive_pb2.StreamSettings, _Mapping]] = ..., source_len: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., health_status: _Optional[_Union[_archive_pb2.HealthStatus, _Mapping]] = ..., finished: _Optional[bool] = ..., queued: _Optional[bool] = ..., face_count: _Optional[int] = ..., file_size: _Optional[float] = ..., created_date: _Optional[str] = ..., body_count: _Optional[int] = ..., car_count: _Optional[int] = ..., case: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., face_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., body_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., car_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class DeleteArchiveRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class DeleteArchiveResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UploadSourceFileRequest(_message.Message):
    __slots__ = ("id", "http_body")
    ID_FIELD_NUMBER: _ClassVar[int]
    HTTP_BODY_FIELD_NUMBER: _ClassVar[int]
    id: int
    http_body: _httpbody_pb2.HttpBody
    def __init__(self, id: _Optional[int] = ..., http_body: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class UploadSourceFileResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ProcessArchiveRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class ProcessArchiveResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StopArchiveRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class StopArchiveResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetScreenshotRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class TakeScreenshotRequest(_message.Message):
    __slots__ = ("id", "timestamp")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    id: int
    timestamp: float
    def __init__(self, id: _Optional[int] = ..., timestamp: _Optional[float] = ...) -> None: ...

class CountArchivesRequest(_message.Message):
    __slots__ = ("case_in", "created_date_gt", "created_date_gte", "created_date_last_n_days", "created_date_lt", "created_date_lte", "created_date_nth_full_week", "created_date_nth_work_week", "name", "save_to")
    CASE_IN_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_GT_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_LAST_N_DAYS_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_LT_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_LTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_NTH_FULL_WEEK_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATE_NTH_WORK_WEEK_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SAVE_TO_FIELD_NUMBER: _ClassVar[int]
    case_in: str
    created_date_gt: str
    created_date_gte: str
    created_date_last_n_days: int
    created_date_lt: str
    created_date_lte: str
    created_date_nth_full_week: int
    created_date_nth_work_week: int
    name: str
    save_to: str
    def __init__(self, case_in: _Optional[str] = ..., created_date_gt: _Optional[str] = ..., created_date_gte: _Optional[str] = ..., created_date_last_n_days: _Optional[int] = ..., created_date_lt: _Optional[str] = ..., created_date_lte: _Optional[str] = ..., created_date_nth_full_week: _Optional[int] = ..., created_date_nth_work_week: _Optional[int] = ..., name: _Optional[str] = ..., save_to: _Optional[str] = ...) -> None: ...

class CountArchivesResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...
