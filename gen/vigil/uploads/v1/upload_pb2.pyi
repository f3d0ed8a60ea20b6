from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChunkReceipt(_message.Message):
    __slots__ = ("message", "session_id", "video_id", "chunk_index", "chunks_received", "total_chunks", "bytes_written", "total_size", "progress", "status", "seq", "instance")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    CHUNK_INDEX_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    BYTES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    message: str
    session_id: str
    video_id: str
    chunk_index: int
    chunks_received: int
    total_chunks: int
    bytes_written: float
    total_size: float
    progress: float
    status: str
    seq: int
    instance: _struct_pb2.Value
    def __init__(self, message: _Optional[str] = ..., session_id: _Optional[str] = ..., video_id: _Optional[str] = ..., chunk_index: _Optional[int] = ..., chunks_received: _Optional[int] = ..., total_chunks: _Optional[int] = ..., bytes_written: _Optional[float] = ..., total_size: _Optional[float] = ..., progress: _Optional[float] = ..., status: _Optional[str] = ..., seq: _Optional[int] = ..., instance: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class UploadSession(_message.Message):
    __slots__ = ("session_id", "video_id", "original_filename", "status", "bytes_written", "total_size", "chunks_received", "total_chunks", "progress", "created_at", "updated_at")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FILENAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BYTES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    video_id: str
    original_filename: str
    status: str
    bytes_written: float
    total_size: float
    chunks_received: int
    total_chunks: int
    progress: float
    created_at: str
    updated_at: str
    def __init__(self, session_id: _Optional[str] = ..., video_id: _Optional[str] = ..., original_filename: _Optional[str] = ..., status: _Optional[str] = ..., bytes_written: _Optional[float] = ..., total_size: _Optional[float] = ..., chunks_received: _Optional[int] = ..., total_chunks: _Optional[int] = ..., progress: _Optional[float] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ...) -> None: ...

class ResumeInfo(_message.Message):
    __slots__ = ("message", "session_id", "video_id", "original_filename", "status", "chunks_received", "total_chunks", "bytes_written", "total_size", "progress", "missing_chunks", "can_reuse_session")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FILENAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    BYTES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    MISSING_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    CAN_REUSE_SESSION_FIELD_NUMBER: _ClassVar[int]
    message: str
    session_id: str
    video_id: str
    original_filename: str
    status: str
    chunks_received: int
    total_chunks: int
    bytes_written: float
    total_size: float
    progress: float
    missing_chunks: _containers.RepeatedScalarFieldContainer[int]
    can_reuse_session: bool
    def __init__(self, message: _Optional[str] = ..., session_id: _Optional[str] = ..., video_id: _Optional[str] = ..., original_filename: _Optional[str] = ..., status: _Optional[str] = ..., chunks_received: _Optional[int] = ..., total_chunks: _Optional[int] = ..., bytes_written: _Optional[float] = ..., total_size: _Optional[float] = ..., progress: _Optional[float] = ..., missing_chunks: _Optional[_Iterable[int]] = ..., can_reuse_session: _Optional[bool] = ...) -> None: ...

class Video(_message.Message):
    __slots__ = ("id", "original_filename", "file_path", "file_size", "created_at", "status", "duration", "started_at", "started_at_src", "ended_at", "device", "instance", "job")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FILENAME_FIELD_NUMBER: _ClassVar[int]
    FILE_PATH_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_SRC_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    id: str
    original_filename: str
    file_path: str
    file_size: float
    created_at: str
    status: str
    duration: float
    started_at: str
    started_at_src: str
    ended_at: str
    device: Device
    instance: _struct_pb2.Value
    job: VideoJob
    def __init__(self, id: _Optional[str] = ..., original_filename: _Optional[str] = ..., file_path: _Optional[str] = ..., file_size: _Optional[float] = ..., created_at: _Optional[str] = ..., status: _Optional[str] = ..., duration: _Optional[float] = ..., started_at: _Optional[str] = ..., started_at_src: _Optional[str] = ..., ended_at: _Optional[str] = ..., device: _Optional[_Union[Device, _Mapping]] = ..., instance: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., job: _Optional[_Union[VideoJob, _Mapping]] = ...) -> None: ...

class VideoJob(_message.Message):
    __slots__ = ("state", "progress", "processed_duration", "event_count", "error", "scheduled_for")
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_DURATION_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FOR_FIELD_NUMBER: _ClassVar[int]
    state: str
    progress: float
    processed_duration: float
    event_count: int
    error: str
    scheduled_for: str
    def __init__(self, state: _Optional[str] = ..., progress: _Optional[float] = ..., processed_duration: _Optional[float] = ..., event_count: _Optional[int] = ..., error: _Optional[str] = ..., scheduled_for: _Optional[str] = ...) -> None: ...

class Device(_message.Message):
    __slots__ = ("name", "url", "scheme", "channel", "silent_audio", "status", "publish_url", "created_at", "updated_at", "error_count", "restart_count", "uptime")
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SILENT_AUDIO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_URL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    RESTART_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    url: str
    scheme: str
    channel: str
    silent_audio: bool
    status: str
    publish_url: str
    created_at: str
    updated_at: str
    error_count: int
    restart_count: int
    uptime: float
    def __init__(self, name: _Optional[str] = ..., url: _Optional[str] = ..., scheme: _Optional[str] = ..., channel: _Optional[str] = ..., silent_audio: _Optional[bool] = ..., status: _Optional[str] = ..., publish_url: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., error_count: _Optional[int] = ..., restart_count: _Optional[int] = ..., uptime: _Optional[float] = ...) -> None: ...

class Pagination(_message.Message):
    __slots__ = ("current_page", "per_page", "total_items", "total_pages")
    CURRENT_PAGE_FIELD_NUMBER: _ClassVar[int]
    PER_PAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAGES_FIELD_NUMBER: _ClassVar[int]
    current_page: int
    per_page: int
    total_items: int
    total_pages: int
    def __init__(self, current_page: _Optional[int] = ..., per_page: _Optional[int] = ..., total_items: _Optional[int] = ..., total_pages: _Optional[int] = ...) -> None: ...
