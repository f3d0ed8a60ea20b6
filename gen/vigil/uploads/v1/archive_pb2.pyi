from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VideoArchive(_message.Message):
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
    stream_settings: StreamSettings
    source_len: _struct_pb2.Value
    health_status: HealthStatus
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
    def __init__(self, id: _Optional[int] = ..., camera_group: _Optional[int] = ..., name: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., url: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., camera: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., processing_start_date: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., active: _Optional[bool] = ..., screenshot: _Optional[str] = ..., stream_settings: _Optional[_Union[StreamSettings, _Mapping]] = ..., source_len: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., health_status: _Optional[_Union[HealthStatus, _Mapping]] = ..., finished: _Optional[bool] = ..., queued: _Optional[bool] = ..., face_count: _Optional[int] = ..., file_size: _Optional[float] = ..., created_date: _Optional[str] = ..., body_count: _Optional[int] = ..., car_count: _Optional[int] = ..., case: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., face_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., body_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., car_cluster_count: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class StreamSettings(_message.Message):
    __slots__ = ("detectors", "disable_drops", "ffmpeg_format", "ffmpeg_params", "imotion_threshold", "play_speed", "rot", "router_timeout_ms", "router_verify_ssl", "start_stream_timestamp", "stream_data_filter", "use_stream_timestamp", "video_transform", "enable_recorder", "enable_liveness")
    DETECTORS_FIELD_NUMBER: _ClassVar[int]
    DISABLE_DROPS_FIELD_NUMBER: _ClassVar[int]
    FFMPEG_FORMAT_FIELD_NUMBER: _ClassVar[int]
    FFMPEG_PARAMS_FIELD_NUMBER: _ClassVar[int]
    IMOTION_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PLAY_SPEED_FIELD_NUMBER: _ClassVar[int]
    ROT_FIELD_NUMBER: _ClassVar[int]
    ROUTER_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    ROUTER_VERIFY_SSL_FIELD_NUMBER: _ClassVar[int]
    START_STREAM_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STREAM_DATA_FILTER_FIELD_NUMBER: _ClassVar[int]
    USE_STREAM_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    VIDEO_TRANSFORM_FIELD_NUMBER: _ClassVar[int]
    ENABLE_RECORDER_FIELD_NUMBER: _ClassVar[int]
    ENABLE_LIVENESS_FIELD_NUMBER: _ClassVar[int]
    detectors: Detectors
    disable_drops: bool
    ffmpeg_format: str
    ffmpeg_params: _struct_pb2.ListValue
    imotion_threshold: float
    play_speed: float
    rot: str
    router_timeout_ms: int
    router_verify_ssl: bool
    start_stream_timestamp: float
    stream_data_filter: str
    use_stream_timestamp: bool
    video_transform: str
    enable_recorder: bool
    enable_liveness: bool
    def __init__(self, detectors: _Optional[_Union[Detectors, _Mapping]] = ..., disable_drops: _Optional[bool] = ..., ffmpeg_format: _Optional[str] = ..., ffmpeg_params: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ..., imotion_threshold: _Optional[float] = ..., play_speed: _Optional[float] = ..., rot: _Optional[str] = ..., router_timeout_ms: _Optional[int] = ..., router_verify_ssl: _Optional[bool] = ..., start_stream_timestamp: _Optional[float] = ..., stream_data_filter: _Optional[str] = ..., use_stream_timestamp: _Optional[bool] = ..., video_transform: _Optional[str] = ..., enable_recorder: _Optional[bool] = ..., enable_liveness: _Optional[bool] = ...) -> None: ...

class Detectors(_message.Message):
    __slots__ = ("face", "body", "car")
    FACE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CAR_FIELD_NUMBER: _ClassVar[int]
    face: _struct_pb2.Value
    body: _struct_pb2.Value
    car: _struct_pb2.Value
    def __init__(self, face: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., body: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., car: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class DetectorSettings(_message.Message):
    __slots__ = ("filter_max_size", "filter_min_quality", "filter_min_size", "fullframe_crop_rot", "fullframe_use_png", "jpeg_quality", "overall_only", "post_best_track_frame", "post_best_track_normalize", "post_first_track_frame", "post_last_track_frame", "realtime_post_every_interval", "realtime_post_first_immediately", "realtime_post_interval", "roi", "track_interpolate_bboxes", "track_max_duration_frames", "track_miss_interval", "track_overlap_threshold", "track_send_history", "tracker_type", "track_deep_sort_matching_threshold", "track_deep_sort_filter_unconfirmed_tracks")
    FILTER_MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    FILTER_MIN_QUALITY_FIELD_NUMBER: _ClassVar[int]
    FILTER_MIN_SIZE_FIELD_NUMBER: _ClassVar[int]
    FULLFRAME_CROP_ROT_FIELD_NUMBER: _ClassVar[int]
    FULLFRAME_USE_PNG_FIELD_NUMBER: _ClassVar[int]
    JPEG_QUALITY_FIELD_NUMBER: _ClassVar[int]
    OVERALL_ONLY_FIELD_NUMBER: _ClassVar[int]
    POST_BEST_TRACK_FRAME_FIELD_NUMBER: _ClassVar[int]
    POST_BEST_TRACK_NORMALIZE_FIELD_NUMBER: _ClassVar[int]
    POST_FIRST_TRACK_FRAME_FIELD_NUMBER: _ClassVar[int]
    POST_LAST_TRACK_FRAME_FIELD_NUMBER: _ClassVar[int]
    REALTIME_POST_EVERY_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    REALTIME_POST_FIRST_IMMEDIATELY_FIELD_NUMBER: _ClassVar[int]
    REALTIME_POST_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    TRACK_INTERPOLATE_BBOXES_FIELD_NUMBER: _ClassVar[int]
    TRACK_MAX_DURATION_FRAMES_FIELD_NUMBER: _ClassVar[int]
    TRACK_MISS_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    TRACK_OVERLAP_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TRACK_SEND_HISTORY_FIELD_NUMBER: _ClassVar[int]
    TRACKER_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRACK_DEEP_SORT_MATCHING_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TRACK_DEEP_SORT_FILTER_UNCONFIRMED_TRACKS_FIELD_NUMBER: _ClassVar[int]
    filter_max_size: int
    filter_min_quality: float
    filter_min_size: int
    fullframe_crop_rot: bool
    fullframe_use_png: bool
    jpeg_quality: int
    overall_only: bool
    post_best_track_frame: bool
    post_best_track_normalize: bool
    post_first_track_frame: bool
    post_last_track_frame: bool
    realtime_post_every_interval: bool
    realtime_post_first_immediately: bool
    realtime_post_interval: float
    roi: str
    track_interpolate_bboxes: bool
    track_max_duration_frames: int
    track_miss_interval: float
    track_overlap_threshold: float
    track_send_history: bool
    tracker_type: str
    track_deep_sort_matching_threshold: float
    track_deep_sort_filter_unconfirmed_tracks: bool
    def __init__(self, filter_max_size: _Optional[int] = ..., filter_min_quality: _Optional[float] = ..., filter_min_size: _Optional[int] = ..., fullframe_crop_rot: _Optional[bool] = ..., fullframe_use_png: _Optional[bool] = ..., jpeg_quality: _Optional[int] = ..., overall_only: _Optional[bool] = ..., post_best_track_frame: _Optional[bool] = ..., post_best_track_normalize: _Optional[bool] = ..., post_first_track_frame: _Optional[bool] = ..., post_last_track_frame: _Optional[bool] = ..., realtime_post_every_interval: _Optional[bool] = ..., realtime_post_first_immediately: _Optional[bool] = ..., realtime_post_interval: _Optional[float] = ..., roi: _Optional[str] = ..., track_interpolate_bboxes: _Optional[bool] = ..., track_max_duration_frames: _Optional[int] = ..., track_miss_interval: _Optional[float] = ..., track_overlap_threshold: _Optional[float] = ..., track_send_history: _Optional[bool] = ..., tracker_type: _Optional[str] = ..., track_deep_sort_matching_threshold: _Optional[float] = ..., track_deep_sort_filter_unconfirmed_tracks: _Optional[bool] = ...) -> None: ...

class HealthStatus(_message.Message):
    __slots__ = ("enabled", "status", "msg", "statistic", "code", "code_desc")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    STATISTIC_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CODE_DESC_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    status: str
    msg: str
    statistic: HealthStatistic
    code: str
    code_desc: str
    def __init__(self, enabled: _Optional[bool] = ..., status: _Optional[str] = ..., msg: _Optional[str] = ..., statistic: _Optional[_Union[HealthStatistic, _Mapping]] = ..., code: _Optional[str] = ..., code_desc: _Optional[str] = ...) -> None: ...

class HealthStatistic(_message.Message):
    __slots__ = ("processed_duration", "faces_posted", "faces_failed", "faces_not_posted", "processing_fps", "frames_dropped", "frames_processed", "frames_imotion_skipped", "decoding_soft_errors", "frame_width", "frame_height", "last_stream_timestamp", "objects", "job_starts")
    PROCESSED_DURATION_FIELD_NUMBER: _ClassVar[int]
    FACES_POSTED_FIELD_NUMBER: _ClassVar[int]
    FACES_FAILED_FIELD_NUMBER: _ClassVar[int]
    FACES_NOT_POSTED_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_FPS_FIELD_NUMBER: _ClassVar[int]
    FRAMES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_PROCESSED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_IMOTION_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    DECODING_SOFT_ERRORS_FIELD_NUMBER: _ClassVar[int]
    FRAME_WIDTH_FIELD_NUMBER: _ClassVar[int]
    FRAME_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LAST_STREAM_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    JOB_STARTS_FIELD_NUMBER: _ClassVar[int]
    processed_duration: float
    faces_posted: int
    faces_failed: int
    faces_not_posted: int
    processing_fps: float
    frames_dropped: int
    frames_processed: int
    frames_imotion_skipped: int
    decoding_soft_errors: int
    frame_width: int
    frame_height: int
    last_stream_timestamp: float
    objects: _struct_pb2.Value
    job_starts: int
    def __init__(self, processed_duration: _Optional[float] = ..., faces_posted: _Optional[int] = ..., faces_failed: _Optional[int] = ..., faces_not_posted: _Optional[int] = ..., processing_fps: _Optional[float] = ..., frames_dropped: _Optional[int] = ..., frames_processed: _Optional[int] = ..., frames_imotion_skipped: _Optional[int] = ..., decoding_soft_errors: _Optional[int] = ..., frame_width: _Optional[int] = ..., frame_height: _Optional[int] = ..., last_stream_timestamp: _Optional[float] = ..., objects: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., job_starts: _Optional[int] = ...) -> None: ...
