from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from vigil.uploads.v1 import upload_pb2 as _upload_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UploadChunkRequest(_message.Message):
    __slots__ = ("nvr_server_id", "auto_stream", "http_body")
    NVR_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    AUTO_STREAM_FIELD_NUMBER: _ClassVar[int]
    HTTP_BODY_FIELD_NUMBER: _ClassVar[int]
    nvr_server_id: int
    auto_stream: bool
    http_body: _httpbody_pb2.HttpBody
    def __init__(self, nvr_server_id: _Optional[int] = ..., auto_stream: _Optional[bool] = ..., http_body: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class UploadChunkResponse(_message.Message):
    __slots__ = ("success", "data")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    success: bool
    data: _upload_pb2.ChunkReceipt
    def __init__(self, success: _Optional[bool] = ..., data: _Optional[_Union[_upload_pb2.ChunkReceipt, _Mapping]] = ...) -> None: ...

class GetUploadStatusRequest(_message.Message):
    __slots__ = ("nvr_server_id", "session_id")
    NVR_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    nvr_server_id: int
    session_id: str
    def __init__(self, nvr_server_id: _Optional[int] = ..., session_id: _Optional[str] = ...) -> None: ...

class GetUploadStatusResponse(_message.Message):
    __slots__ = ("success", "data")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    success: bool
    data: _upload_pb2.UploadSession
    def __init__(self, success: _Optional[bool] = ..., data: _Optional[_Union[_upload_pb2.UploadSession, _Mapping]] = ...) -> None: ...

class ResumeUploadRequest(_message.Message):
    __slots__ = ("nvr_server_id", "session_id", "filename", "video_id")
    NVR_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    nvr_server_id: int
    session_id: str
    filename: str
    video_id: str
    def __init__(self, nvr_server_id: _Optional[int] = ..., session_id: _Optional[str] = ..., filename: _Optional[str] = ..., video_id: _Optional[str] = ...) -> None: ...

class ResumeUploadResponse(_message.Message):
    __slots__ = ("success", "data")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    success: bool
    data: _upload_pb2.ResumeInfo
    def __init__(self, success: _Optional[bool] = ..., data: _Optional[_Union[_upload_pb2.ResumeInfo, _Mapping]] = ...) -> None: ...

class CancelUploadRequest(_message.Message):
    __slots__ = ("nvr_server_id", "session_id")
    NVR_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    nvr_server_id: int
    session_id: str
    def __init__(self, nvr_server_id: _Optional[int] = ..., session_id: _Optional[str] = ...) -> None: ...

class CancelUploadResponse(_message.Message):
    __slots__ = ("success", "message", "session_id")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    success: bool
    message: str
    session_id: str
    def __init__(self, success: _Optional[bool] = ..., message: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class ListVideosRequest(_message.Message):
    __slots__ = ("nvr_server_id", "search", "sort_by", "sort_order", "page", "limit")
    NVR_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SORT_ORDER_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    nvr_server_id: int
    search: str
    sort_by: str
    sort_order: str
    page: int
    limit: int
    def __init__(self, nvr_server_id: _Optional[int] = ..., search: _Optional[str] = ..., sort_by: _Optional[str] = ..., sort_order: _Optional[str] = ..., page: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListVideosResponse(_message.Message):
    __slots__ = ("success", "data")
    class Data(_message.Message):
        __slots__ = ("videos", "count", "pagination")
        VIDEOS_FIELD_NUMBER: _ClassVar[int]
        COUNT_FIELD_NUMBER: _ClassVar[int]
        PAGINATION_FIELD_NUMBER: _ClassVar[int]
        videos: _containers.RepeatedCompositeFieldContainer[_upload_pb2.Video]
        count: int
        pagination: _upload_pb2.Pagination
        def __init__(self, videos: _Optional[_Iterable[_Union[_upload_pb2.Video, _Mapping]]] = ..., count: _Optional[int] = ..., pagination: _Optional[_Union[_upload_pb2.Pagination, _Mapping]] = ...) -> None: ...
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    success: bool
    data: ListVideosResponse.Data
    def __init__(self, success: _Optional[bool] = ..., data: _Optional[_Union[ListVideosResponse.Data, _Mapping]] = ...) -> None: ...

class GetVideoRequest(_message.Message):
    __slots__ = ("nvr_server_id", "video_id")
    NVR_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    nvr_server_id: int
    video_id: str
    def __init__(self, nvr_server_id: _Optional[int] = ..., video_id: _Optional[str] = ...) -> None: ...

class GetVideoResponse(_message.Message):
    __slots__ = ("success", "data")
    class Data(_message.Message):
        __slots__ = ("video",)
        VIDEO_FIELD_NUMBER: _ClassVar[int]
        video: _upload_pb2.Video
        def __init__(self, video: _Optional[_Union[_upload_pb2.Video, _Mapping]] = ...) -> None: ...
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    success: bool
    data: GetVideoResponse.Data
    def __init__(self, success: _Optional[bool] = ..., data: _Optional[_Union[GetVideoResponse.Data, _Mapping]] = ...) -> None: ...

class UpdateVideoRequest(_message.Message):
    __slots__ = ("nvr_server_id", "video_id", "auto_stream")
    NVR_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    AUTO_STREAM_FIELD_NUMBER: _ClassVar[int]
    nvr_server_id: int
    video_id: str
    auto_stream: bool
    def __init__(self, nvr_server_id: _Optional[int] = ..., video_id: _Optional[str] = ..., auto_stream: _Optional[bool] = ...) -> None: ...

class UpdateVideoResponse(_message.Message):
    __slots__ = ("success", "data")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    success: bool
    data: GetVideoResponse.Data
    def __init__(self, success: _Optional[bool] = ..., data: _Optional[_Union[GetVideoResponse.Data, _Mapping]] = ...) -> None: ...

class DeleteVideoRequest(_message.Message):
    __slots__ = ("nvr_server_id", "video_id")
    NVR_SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    nvr_server_id: int
    video_id: str
    def __init__(self, nvr_server_id: _Optional[int] = ..., video_id: _Optional[str] = ...) -> None: ...

class DeleteVideoResponse(_message.Message):
    __slots__ = ("success", "message", "video_id")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    success: bool
    message: str
    video_id: str
    def __init__(self, success: _Optional[bool] = ..., message: _Optional[str] = ..., video_id: _Optional[str] = ...) -> None: ...

class CancelVideoJobRequest(_message.Message):
    __slots__ = ("video_id",)
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    video_id: str
    def __init__(self, video_id: _Optional[str] = ...) -> None: ...

class CancelVideoJobResponse(_message.Message):
    __slots__ = ("success", "message", "video_id", "job")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    success: bool
    message: str
    video_id: str
    job: _upload_pb2.VideoJob
    def __init__(self, success: _Optional[bool] = ..., message: _Optional[str] = ..., video_id: _Optional[str] = ..., job: _Optional[_Union[_upload_pb2.VideoJob, _Mapping]] = ...) -> None: ...

class ScheduleVideoJobRequest(_message.Message):
    __slots__ = ("video_id",)
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    video_id: str
    def __init__(self, video_id: _Optional[str] = ...) -> None: ...

class ScheduleVideoJobResponse(_message.Message):
    __slots__ = ("success", "message", "video_id", "job")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    success: bool
    message: str
    video_id: str
    job: _upload_pb2.VideoJob
    def __init__(self, success: _Optional[bool] = ..., message: _Optional[str] = ..., video_id: _Optional[str] = ..., job: _Optional[_Union[_upload_pb2.VideoJob, _Mapping]] = ...) -> None: ...
