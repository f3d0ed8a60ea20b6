from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LunaStream(_message.Message):
    __slots__ = ("stream_id", "account_id", "name", "description", "data", "event_handler", "policies", "location", "autorestart", "version", "create_time", "status", "last_error", "video_info", "groups", "preview")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    EVENT_HANDLER_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    AUTORESTART_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    VIDEO_INFO_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    name: str
    description: str
    data: LunaStreamData
    event_handler: LunaStreamEventHandler
    policies: LunaStreamPolicies
    location: LunaStreamLocation
    autorestart: LunaStreamAutorestart
    version: int
    create_time: str
    status: str
    last_error: _struct_pb2.Value
    video_info: _struct_pb2.Value
    groups: _containers.RepeatedScalarFieldContainer[str]
    preview: LunaStreamPreview
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., data: _Optional[_Union[LunaStreamData, _Mapping]] = ..., event_handler: _Optional[_Union[LunaStreamEventHandler, _Mapping]] = ..., policies: _Optional[_Union[LunaStreamPolicies, _Mapping]] = ..., location: _Optional[_Union[LunaStreamLocation, _Mapping]] = ..., autorestart: _Optional[_Union[LunaStreamAutorestart, _Mapping]] = ..., version: _Optional[int] = ..., create_time: _Optional[str] = ..., status: _Optional[str] = ..., last_error: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., video_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ..., preview: _Optional[_Union[LunaStreamPreview, _Mapping]] = ...) -> None: ...

class LunaStreamV2(_message.Message):
    __slots__ = ("stream_id", "account_id", "name", "description", "data", "location", "autorestart", "version", "create_time", "status", "last_error", "video_info", "groups", "preview")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    AUTORESTART_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    VIDEO_INFO_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    name: str
    description: str
    data: LunaStreamDataV2
    location: LunaStreamLocation
    autorestart: LunaStreamAutorestart
    version: int
    create_time: str
    status: str
    last_error: _struct_pb2.Value
    video_info: _struct_pb2.Value
    groups: _containers.RepeatedScalarFieldContainer[str]
    preview: LunaStreamPreview
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., data: _Optional[_Union[LunaStreamDataV2, _Mapping]] = ..., location: _Optional[_Union[LunaStreamLocation, _Mapping]] = ..., autorestart: _Optional[_Union[LunaStreamAutorestart, _Mapping]] = ..., version: _Optional[int] = ..., create_time: _Optional[str] = ..., status: _Optional[str] = ..., last_error: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., video_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ..., preview: _Optional[_Union[LunaStreamPreview, _Mapping]] = ...) -> None: ...

class LunaStreamData(_message.Message):
    __slots__ = ("type", "reference", "roi", "droi", "rotation", "preferred_program_stream_frame_width", "endless")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    DROI_FIELD_NUMBER: _ClassVar[int]
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_PROGRAM_STREAM_FRAME_WIDTH_FIELD_NUMBER: _ClassVar[int]
    ENDLESS_FIELD_NUMBER: _ClassVar[int]
    type: str
    reference: str
    roi: LunaStreamRegion
    droi: LunaStreamRegion
    rotation: int
    preferred_program_stream_frame_width: int
    endless: bool
    def __init__(self, type: _Optional[str] = ..., reference: _Optional[str] = ..., roi: _Optional[_Union[LunaStreamRegion, _Mapping]] = ..., droi: _Optional[_Union[LunaStreamRegion, _Mapping]] = ..., rotation: _Optional[int] = ..., preferred_program_stream_frame_width: _Optional[int] = ..., endless: _Optional[bool] = ...) -> None: ...

class LunaStreamDataV2(_message.Message):
    __slots__ = ("type", "reference", "analytics", "frame_processing_mode", "real_time_mode_fps", "ffmpeg_threads_number", "roi", "rotation", "preferred_program_stream_frame_width", "endless")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    FRAME_PROCESSING_MODE_FIELD_NUMBER: _ClassVar[int]
    REAL_TIME_MODE_FPS_FIELD_NUMBER: _ClassVar[int]
    FFMPEG_THREADS_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_PROGRAM_STREAM_FRAME_WIDTH_FIELD_NUMBER: _ClassVar[int]
    ENDLESS_FIELD_NUMBER: _ClassVar[int]
    type: str
    reference: str
    analytics: _containers.RepeatedCompositeFieldContainer[LunaStreamAnalytics]
    frame_processing_mode: str
    real_time_mode_fps: int
    ffmpeg_threads_number: int
    roi: LunaStreamRegion
    rotation: int
    preferred_program_stream_frame_width: int
    endless: bool
    def __init__(self, type: _Optional[str] = ..., reference: _Optional[str] = ..., analytics: _Optional[_Iterable[_Union[LunaStreamAnalytics, _Mapping]]] = ..., frame_processing_mode: _Optional[str] = ..., real_time_mode_fps: _Optional[int] = ..., ffmpeg_threads_number: _Optional[int] = ..., roi: _Optional[_Union[LunaStreamRegion, _Mapping]] = ..., rotation: _Optional[int] = ..., preferred_program_stream_frame_width: _Optional[int] = ..., endless: _Optional[bool] = ...) -> None: ...

class LunaStreamRegion(_message.Message):
    __slots__ = ("x", "y", "width", "height", "mode")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    x: int
    y: int
    width: int
    height: int
    mode: str
    def __init__(self, x: _Optional[int] = ..., y: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., mode: _Optional[str] = ...) -> None: ...

class LunaStreamAnalytics(_message.Message):
    __slots__ = ("mode", "enabled", "droi", "filtering", "liveness", "primary_track_policy", "sending", "event_handler", "healthcheck")
    MODE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    DROI_FIELD_NUMBER: _ClassVar[int]
    FILTERING_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_TRACK_POLICY_FIELD_NUMBER: _ClassVar[int]
    SENDING_FIELD_NUMBER: _ClassVar[int]
    EVENT_HANDLER_FIELD_NUMBER: _ClassVar[int]
    HEALTHCHECK_FIELD_NUMBER: _ClassVar[int]
    mode: int
    enabled: bool
    droi: LunaStreamRegion
    filtering: LunaStreamFilteringPolicyV2
    liveness: LunaStreamLivenessPolicyV2
    primary_track_policy: LunaStreamPrimaryTrackPolicy
    sending: LunaStreamSendingPolicyV2
    event_handler: LunaStreamAnalyticsEventHandler
    healthcheck: LunaStreamHealthcheck
    def __init__(self, mode: _Optional[int] = ..., enabled: _Optional[bool] = ..., droi: _Optional[_Union[LunaStreamRegion, _Mapping]] = ..., filtering: _Optional[_Union[LunaStreamFilteringPolicyV2, _Mapping]] = ..., liveness: _Optional[_Union[LunaStreamLivenessPolicyV2, _Mapping]] = ..., primary_track_policy: _Optional[_Union[LunaStreamPrimaryTrackPolicy, _Mapping]] = ..., sending: _Optional[_Union[LunaStreamSendingPolicyV2, _Mapping]] = ..., event_handler: _Optional[_Union[LunaStreamAnalyticsEventHandler, _Mapping]] = ..., healthcheck: _Optional[_Union[LunaStreamHealthcheck, _Mapping]] = ...) -> None: ...

class LunaStreamEventHandler(_message.Message):
    __slots__ = ("api_version", "bestshot_handler", "detection_handler", "authorization")
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    BESTSHOT_HANDLER_FIELD_NUMBER: _ClassVar[int]
    DETECTION_HANDLER_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    api_version: int
    bestshot_handler: LunaStreamHandlerRef
    detection_handler: LunaStreamHandlerRef
    authorization: LunaStreamAuthorization
    def __init__(self, api_version: _Optional[int] = ..., bestshot_handler: _Optional[_Union[LunaStreamHandlerRef, _Mapping]] = ..., detection_handler: _Optional[_Union[LunaStreamHandlerRef, _Mapping]] = ..., authorization: _Optional[_Union[LunaStreamAuthorization, _Mapping]] = ...) -> None: ...

class LunaStreamHandlerRef(_message.Message):
    __slots__ = ("handler_id",)
    HANDLER_ID_FIELD_NUMBER: _ClassVar[int]
    handler_id: str
    def __init__(self, handler_id: _Optional[str] = ...) -> None: ...

class LunaStreamAuthorization(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class LunaStreamAnalyticsEventHandler(_message.Message):
    __slots__ = ("type", "handler_id", "authorization")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    HANDLER_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    type: str
    handler_id: str
    authorization: LunaStreamAuthorization
    def __init__(self, type: _Optional[str] = ..., handler_id: _Optional[str] = ..., authorization: _Optional[_Union[LunaStreamAuthorization, _Mapping]] = ...) -> None: ...

class LunaStreamPolicies(_message.Message):
    __slots__ = ("sending", "primary_track_policy", "liveness", "filtering", "frame_processing_mode", "real_time_mode_fps", "ffmpeg_threads_number", "healthcheck")
    SENDING_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_TRACK_POLICY_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_FIELD_NUMBER: _ClassVar[int]
    FILTERING_FIELD_NUMBER: _ClassVar[int]
    FRAME_PROCESSING_MODE_FIELD_NUMBER: _ClassVar[int]
    REAL_TIME_MODE_FPS_FIELD_NUMBER: _ClassVar[int]
    FFMPEG_THREADS_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HEALTHCHECK_FIELD_NUMBER: _ClassVar[int]
    sending: LunaStreamSendingPolicy
    primary_track_policy: LunaStreamPrimaryTrackPolicy
    liveness: LunaStreamLivenessPolicy
    filtering: LunaStreamFilteringPolicy
    frame_processing_mode: str
    real_time_mode_fps: int
    ffmpeg_threads_number: int
    healthcheck: LunaStreamHealthcheck
    def __init__(self, sending: _Optional[_Union[LunaStreamSendingPolicy, _Mapping]] = ..., primary_track_policy: _Optional[_Union[LunaStreamPrimaryTrackPolicy, _Mapping]] = ..., liveness: _Optional[_Union[LunaStreamLivenessPolicy, _Mapping]] = ..., filtering: _Optional[_Union[LunaStreamFilteringPolicy, _Mapping]] = ..., frame_processing_mode: _Optional[str] = ..., real_time_mode_fps: _Optional[int] = ..., ffmpeg_threads_number: _Optional[int] = ..., healthcheck: _Optional[_Union[LunaStreamHealthcheck, _Mapping]] = ...) -> None: ...

class LunaStreamSendingPolicy(_message.Message):
    __slots__ = ("time_period_of_searching", "silent_period", "type", "number_of_bestshots_to_send", "send_only_full_set", "delete_track_after_sending")
    TIME_PERIOD_OF_SEARCHING_FIELD_NUMBER: _ClassVar[int]
    SILENT_PERIOD_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_OF_BESTSHOTS_TO_SEND_FIELD_NUMBER: _ClassVar[int]
    SEND_ONLY_FULL_SET_FIELD_NUMBER: _ClassVar[int]
    DELETE_TRACK_AFTER_SENDING_FIELD_NUMBER: _ClassVar[int]
    time_period_of_searching: float
    silent_period: float
    type: str
    number_of_bestshots_to_send: int
    send_only_full_set: bool
    delete_track_after_sending: bool
    def __init__(self, time_period_of_searching: _Optional[float] = ..., silent_period: _Optional[float] = ..., type: _Optional[str] = ..., number_of_bestshots_to_send: _Optional[int] = ..., send_only_full_set: _Optional[bool] = ..., delete_track_after_sending: _Optional[bool] = ...) -> None: ...

class LunaStreamSendingPolicyV2(_message.Message):
    __slots__ = ("body", "silent_period", "time_period_of_searching", "full_frame_settings", "type", "bestshot_settings")
    BODY_FIELD_NUMBER: _ClassVar[int]
    SILENT_PERIOD_FIELD_NUMBER: _ClassVar[int]
    TIME_PERIOD_OF_SEARCHING_FIELD_NUMBER: _ClassVar[int]
    FULL_FRAME_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    BESTSHOT_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    body: LunaStreamSendingBody
    silent_period: float
    time_period_of_searching: float
    full_frame_settings: int
    type: str
    bestshot_settings: LunaStreamBestshotSettings
    def __init__(self, body: _Optional[_Union[LunaStreamSendingBody, _Mapping]] = ..., silent_period: _Optional[float] = ..., time_period_of_searching: _Optional[float] = ..., full_frame_settings: _Optional[int] = ..., type: _Optional[str] = ..., bestshot_settings: _Optional[_Union[LunaStreamBestshotSettings, _Mapping]] = ...) -> None: ...

class LunaStreamSendingBody(_message.Message):
    __slots__ = ("send_only_full_set", "delete_track_after_sending")
    SEND_ONLY_FULL_SET_FIELD_NUMBER: _ClassVar[int]
    DELETE_TRACK_AFTER_SENDING_FIELD_NUMBER: _ClassVar[int]
    send_only_full_set: bool
    delete_track_after_sending: bool
    def __init__(self, send_only_full_set: _Optional[bool] = ..., delete_track_after_sending: _Optional[bool] = ...) -> None: ...

class LunaStreamBestshotSettings(_message.Message):
    __slots__ = ("type", "face_bestshots_to_send", "body_bestshots_to_send")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FACE_BESTSHOTS_TO_SEND_FIELD_NUMBER: _ClassVar[int]
    BODY_BESTSHOTS_TO_SEND_FIELD_NUMBER: _ClassVar[int]
    type: int
    face_bestshots_to_send: int
    body_bestshots_to_send: int
    def __init__(self, type: _Optional[int] = ..., face_bestshots_to_send: _Optional[int] = ..., body_bestshots_to_send: _Optional[int] = ...) -> None: ...

class LunaStreamPrimaryTrackPolicy(_message.Message):
    __slots__ = ("use_primary_track_policy", "best_shot_min_size", "best_shot_proper_size")
    USE_PRIMARY_TRACK_POLICY_FIELD_NUMBER: _ClassVar[int]
    BEST_SHOT_MIN_SIZE_FIELD_NUMBER: _ClassVar[int]
    BEST_SHOT_PROPER_SIZE_FIELD_NUMBER: _ClassVar[int]
    use_primary_track_policy: bool
    best_shot_min_size: int
    best_shot_proper_size: int
    def __init__(self, use_primary_track_policy: _Optional[bool] = ..., best_shot_min_size: _Optional[int] = ..., best_shot_proper_size: _Optional[int] = ...) -> None: ...

class LunaStreamLivenessPolicy(_message.Message):
    __slots__ = ("use_shoulders_liveness_filtration", "use_mask_liveness_filtration", "use_flying_faces_liveness_filtration", "liveness_mode", "number_of_liveness_checks", "liveness_threshold", "livenesses_weights", "mask_backgrounds_count")
    USE_SHOULDERS_LIVENESS_FILTRATION_FIELD_NUMBER: _ClassVar[int]
    USE_MASK_LIVENESS_FILTRATION_FIELD_NUMBER: _ClassVar[int]
    USE_FLYING_FACES_LIVENESS_FILTRATION_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_MODE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_OF_LIVENESS_CHECKS_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIVENESSES_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    MASK_BACKGROUNDS_COUNT_FIELD_NUMBER: _ClassVar[int]
    use_shoulders_liveness_filtration: bool
    use_mask_liveness_filtration: bool
    use_flying_faces_liveness_filtration: bool
    liveness_mode: int
    number_of_liveness_checks: int
    liveness_threshold: float
    livenesses_weights: _containers.RepeatedScalarFieldContainer[float]
    mask_backgrounds_count: int
    def __init__(self, use_shoulders_liveness_filtration: _Optional[bool] = ..., use_mask_liveness_filtration: _Optional[bool] = ..., use_flying_faces_liveness_filtration: _Optional[bool] = ..., liveness_mode: _Optional[int] = ..., number_of_liveness_checks: _Optional[int] = ..., liveness_threshold: _Optional[float] = ..., livenesses_weights: _Optional[_Iterable[float]] = ..., mask_backgrounds_count: _Optional[int] = ...) -> None: ...

class LunaStreamLivenessPolicyV2(_message.Message):
    __slots__ = ("liveness_mode", "liveness_threshold", "livenesses_weights", "mask_backgrounds_count", "number_of_liveness_checks", "use_flying_faces_liveness_filtration", "use_mask_liveness_filtration")
    LIVENESS_MODE_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIVENESSES_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    MASK_BACKGROUNDS_COUNT_FIELD_NUMBER: _ClassVar[int]
    NUMBER_OF_LIVENESS_CHECKS_FIELD_NUMBER: _ClassVar[int]
    USE_FLYING_FACES_LIVENESS_FILTRATION_FIELD_NUMBER: _ClassVar[int]
    USE_MASK_LIVENESS_FILTRATION_FIELD_NUMBER: _ClassVar[int]
    liveness_mode: int
    liveness_threshold: float
    livenesses_weights: _containers.RepeatedScalarFieldContainer[float]
    mask_backgrounds_count: int
    number_of_liveness_checks: int
    use_flying_faces_liveness_filtration: bool
    use_mask_liveness_filtration: bool
    def __init__(self, liveness_mode: _Optional[int] = ..., liveness_threshold: _Optional[float] = ..., livenesses_weights: _Optional[_Iterable[float]] = ..., mask_backgrounds_count: _Optional[int] = ..., number_of_liveness_checks: _Optional[int] = ..., use_flying_faces_liveness_filtration: _Optional[bool] = ..., use_mask_liveness_filtration: _Optional[bool] = ...) -> None: ...

class LunaStreamFilteringPolicy(_message.Message):
    __slots__ = ("min_score", "detection_yaw_threshold", "detection_pitch_threshold", "detection_roll_threshold", "yaw_number", "yaw_collection_mode", "mouth_occlusion_threshold", "min_body_size_threshold")
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    DETECTION_YAW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DETECTION_PITCH_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DETECTION_ROLL_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    YAW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    YAW_COLLECTION_MODE_FIELD_NUMBER: _ClassVar[int]
    MOUTH_OCCLUSION_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MIN_BODY_SIZE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    min_score: float
    detection_yaw_threshold: int
    detection_pitch_threshold: int
    detection_roll_threshold: int
    yaw_number: int
    yaw_collection_mode: bool
    mouth_occlusion_threshold: float
    min_body_size_threshold: float
    def __init__(self, min_score: _Optional[float] = ..., detection_yaw_threshold: _Optional[int] = ..., detection_pitch_threshold: _Optional[int] = ..., detection_roll_threshold: _Optional[int] = ..., yaw_number: _Optional[int] = ..., yaw_collection_mode: _Optional[bool] = ..., mouth_occlusion_threshold: _Optional[float] = ..., min_body_size_threshold: _Optional[float] = ...) -> None: ...

class LunaStreamFilteringPolicyV2(_message.Message):
    __slots__ = ("min_score_face", "min_score_body", "detection_yaw_threshold", "detection_pitch_threshold", "detection_roll_threshold", "yaw_number", "yaw_collection_mode", "mouth_occlusion_threshold", "min_body_size_threshold")
    MIN_SCORE_FACE_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_BODY_FIELD_NUMBER: _ClassVar[int]
    DETECTION_YAW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DETECTION_PITCH_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DETECTION_ROLL_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    YAW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    YAW_COLLECTION_MODE_FIELD_NUMBER: _ClassVar[int]
    MOUTH_OCCLUSION_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MIN_BODY_SIZE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    min_score_face: float
    min_score_body: float
    detection_yaw_threshold: int
    detection_pitch_threshold: int
    detection_roll_threshold: int
    yaw_number: int
    yaw_collection_mode: bool
    mouth_occlusion_threshold: float
    min_body_size_threshold: float
    def __init__(self, min_score_face: _Optional[float] = ..., min_score_body: _Optional[float] = ..., detection_yaw_threshold: _Optional[int] = ..., detection_pitch_threshold: _Optional[int] = ..., detection_roll_threshold: _Optional[int] = ..., yaw_number: _Optional[int] = ..., yaw_collection_mode: _Optional[bool] = ..., mouth_occlusion_threshold: _Optional[float] = ..., min_body_size_threshold: _Optional[float] = ...) -> None: ...

class LunaStreamHealthcheck(_message.Message):
    __slots__ = ("max_error_count", "period", "retry_delay", "timeout")
    MAX_ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    RETRY_DELAY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    max_error_count: int
    period: float
    retry_delay: float
    timeout: int
    def __init__(self, max_error_count: _Optional[int] = ..., period: _Optional[float] = ..., retry_delay: _Optional[float] = ..., timeout: _Optional[int] = ...) -> None: ...

class LunaStreamLocation(_message.Message):
    __slots__ = ("city", "area", "district", "street", "house_number", "geo_position")
    CITY_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    HOUSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    GEO_POSITION_FIELD_NUMBER: _ClassVar[int]
    city: str
    area: str
    district: str
    street: str
    house_number: str
    geo_position: LunaGeoPosition
    def __init__(self, city: _Optional[str] = ..., area: _Optional[str] = ..., district: _Optional[str] = ..., street: _Optional[str] = ..., house_number: _Optional[str] = ..., geo_position: _Optional[_Union[LunaGeoPosition, _Mapping]] = ...) -> None: ...

class LunaGeoPosition(_message.Message):
    __slots__ = ("longitude", "latitude")
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    longitude: float
    latitude: float
    def __init__(self, longitude: _Optional[float] = ..., latitude: _Optional[float] = ...) -> None: ...

class LunaStreamAutorestartSettings(_message.Message):
    __slots__ = ("restart", "attempt_count", "delay")
    RESTART_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELAY_FIELD_NUMBER: _ClassVar[int]
    restart: int
    attempt_count: int
    delay: int
    def __init__(self, restart: _Optional[int] = ..., attempt_count: _Optional[int] = ..., delay: _Optional[int] = ...) -> None: ...

class LunaStreamAutorestart(_message.Message):
    __slots__ = ("restart", "attempt_count", "delay", "current_attempt", "last_attempt_time", "status")
    RESTART_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELAY_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    LAST_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    restart: int
    attempt_count: int
    delay: int
    current_attempt: int
    last_attempt_time: _struct_pb2.Value
    status: str
    def __init__(self, restart: _Optional[int] = ..., attempt_count: _Optional[int] = ..., delay: _Optional[int] = ..., current_attempt: _Optional[int] = ..., last_attempt_time: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., status: _Optional[str] = ...) -> None: ...

class LunaStreamVideoInfo(_message.Message):
    __slots__ = ("width", "height", "frame_rate", "bit_rate", "gop_size", "start_time", "duration", "progress")
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FRAME_RATE_FIELD_NUMBER: _ClassVar[int]
    BIT_RATE_FIELD_NUMBER: _ClassVar[int]
    GOP_SIZE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    width: int
    height: int
    frame_rate: float
    bit_rate: float
    gop_size: int
    start_time: str
    duration: float
    progress: float
    def __init__(self, width: _Optional[int] = ..., height: _Optional[int] = ..., frame_rate: _Optional[float] = ..., bit_rate: _Optional[float] = ..., gop_size: _Optional[int] = ..., start_time: _Optional[str] = ..., duration: _Optional[float] = ..., progress: _Optional[float] = ...) -> None: ...

class LunaStreamPreview(_message.Message):
    __slots__ = ("live", "last_frame")
    LIVE_FIELD_NUMBER: _ClassVar[int]
    LAST_FRAME_FIELD_NUMBER: _ClassVar[int]
    live: LunaStreamPreviewLink
    last_frame: LunaStreamPreviewLink
    def __init__(self, live: _Optional[_Union[LunaStreamPreviewLink, _Mapping]] = ..., last_frame: _Optional[_Union[LunaStreamPreviewLink, _Mapping]] = ...) -> None: ...

class LunaStreamPreviewLink(_message.Message):
    __slots__ = ("url",)
    URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    def __init__(self, url: _Optional[str] = ...) -> None: ...

class LunaStreamLog(_message.Message):
    __slots__ = ("stream_id", "log_time", "error", "status", "video_info", "version", "preview")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    LOG_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_INFO_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    log_time: str
    error: _struct_pb2.Value
    status: str
    video_info: LunaStreamVideoInfo
    version: int
    preview: LunaStreamPreview
    def __init__(self, stream_id: _Optional[str] = ..., log_time: _Optional[str] = ..., error: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., status: _Optional[str] = ..., video_info: _Optional[_Union[LunaStreamVideoInfo, _Mapping]] = ..., version: _Optional[int] = ..., preview: _Optional[_Union[LunaStreamPreview, _Mapping]] = ...) -> None: ...

class LunaStreamQueueFilters(_message.Message):
    __slots__ = ("stream_ids", "names", "group_ids", "group_names")
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAMES_FIELD_NUMBER: _ClassVar[int]
    stream_ids: _containers.RepeatedScalarFieldContainer[str]
    names: _containers.RepeatedScalarFieldContainer[str]
    group_ids: _containers.RepeatedScalarFieldContainer[str]
    group_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, stream_ids: _Optional[_Iterable[str]] = ..., names: _Optional[_Iterable[str]] = ..., group_ids: _Optional[_Iterable[str]] = ..., group_names: _Optional[_Iterable[str]] = ...) -> None: ...

class LunaStreamFeedback(_message.Message):
    __slots__ = ("error", "video_info", "stream_id", "status", "version", "preview")
    ERROR_FIELD_NUMBER: _ClassVar[int]
    VIDEO_INFO_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    error: _struct_pb2.Value
    video_info: LunaStreamVideoInfo
    stream_id: str
    status: str
    version: int
    preview: LunaStreamPreview
    def __init__(self, error: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., video_info: _Optional[_Union[LunaStreamVideoInfo, _Mapping]] = ..., stream_id: _Optional[str] = ..., status: _Optional[str] = ..., version: _Optional[int] = ..., preview: _Optional[_Union[LunaStreamPreview, _Mapping]] = ...) -> None: ...

class LunaStreamFeedbackState(_message.Message):
    __slots__ = ("stream_id", "status", "version")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    status: str
    version: int
    def __init__(self, stream_id: _Optional[str] = ..., status: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class LunaStreamFeedbackOutcome(_message.Message):
    __slots__ = ("modified", "unmodified")
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    UNMODIFIED_FIELD_NUMBER: _ClassVar[int]
    modified: _containers.RepeatedCompositeFieldContainer[LunaStreamFeedbackState]
    unmodified: _containers.RepeatedCompositeFieldContainer[LunaStreamFeedbackState]
    def __init__(self, modified: _Optional[_Iterable[_Union[LunaStreamFeedbackState, _Mapping]]] = ..., unmodified: _Optional[_Iterable[_Union[LunaStreamFeedbackState, _Mapping]]] = ...) -> None: ...
