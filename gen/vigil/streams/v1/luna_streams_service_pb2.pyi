from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from vigil.streams.v1 import luna_stream_pb2 as _luna_stream_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateLunaStreamRequest(_message.Message):
    __slots__ = ("account_id", "name", "description", "data", "event_handler", "policies", "location", "autorestart", "status", "group_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    EVENT_HANDLER_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    AUTORESTART_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    description: str
    data: _luna_stream_pb2.LunaStreamData
    event_handler: _luna_stream_pb2.LunaStreamEventHandler
    policies: _luna_stream_pb2.LunaStreamPolicies
    location: _luna_stream_pb2.LunaStreamLocation
    autorestart: _luna_stream_pb2.LunaStreamAutorestartSettings
    status: str
    group_name: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., data: _Optional[_Union[_luna_stream_pb2.LunaStreamData, _Mapping]] = ..., event_handler: _Optional[_Union[_luna_stream_pb2.LunaStreamEventHandler, _Mapping]] = ..., policies: _Optional[_Union[_luna_stream_pb2.LunaStreamPolicies, _Mapping]] = ..., location: _Optional[_Union[_luna_stream_pb2.LunaStreamLocation, _Mapping]] = ..., autorestart: _Optional[_Union[_luna_stream_pb2.LunaStreamAutorestartSettings, _Mapping]] = ..., status: _Optional[str] = ..., group_name: _Optional[str] = ...) -> None: ...

class CreateLunaStreamResponse(_message.Message):
    __slots__ = ("stream_id", "version")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    version: int
    def __init__(self, stream_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class CreateLunaStreamV2Request(_message.Message):
    __slots__ = ("account_id", "name", "description", "data", "location", "autorestart", "status", "group_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    AUTORESTART_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    description: str
    data: _luna_stream_pb2.LunaStreamDataV2
    location: _luna_stream_pb2.LunaStreamLocation
    autorestart: _luna_stream_pb2.LunaStreamAutorestartSettings
    status: str
    group_name: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., data: _Optional[_Union[_luna_stream_pb2.LunaStreamDataV2, _Mapping]] = ..., location: _Optional[_Union[_luna_stream_pb2.LunaStreamLocation, _Mapping]] = ..., autorestart: _Optional[_Union[_luna_stream_pb2.LunaStreamAutorestartSettings, _Mapping]] = ..., status: _Optional[str] = ..., group_name: _Optional[str] = ...) -> None: ...

class CreateLunaStreamV2Response(_message.Message):
    __slots__ = ("stream_id", "version")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    version: int
    def __init__(self, stream_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ListLunaStreamsRequest(_message.Message):
    __slots__ = ("account_id", "stream_ids", "stream_id_gte", "stream_id_lt", "names", "reference", "statuses", "create_time_gte", "create_time_lt", "group_name", "order", "page", "page_size")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_GTE_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_LT_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_LT_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    stream_ids: str
    stream_id_gte: str
    stream_id_lt: str
    names: str
    reference: str
    statuses: str
    create_time_gte: str
    create_time_lt: str
    group_name: str
    order: str
    page: int
    page_size: int
    def __init__(self, account_id: _Optional[str] = ..., stream_ids: _Optional[str] = ..., stream_id_gte: _Optional[str] = ..., stream_id_lt: _Optional[str] = ..., names: _Optional[str] = ..., reference: _Optional[str] = ..., statuses: _Optional[str] = ..., create_time_gte: _Optional[str] = ..., create_time_lt: _Optional[str] = ..., group_name: _Optional[str] = ..., order: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListLunaStreamsResponse(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[_luna_stream_pb2.LunaStream]
    def __init__(self, streams: _Optional[_Iterable[_Union[_luna_stream_pb2.LunaStream, _Mapping]]] = ...) -> None: ...

class ListLunaStreamsV2Request(_message.Message):
    __slots__ = ("account_id", "stream_ids", "names", "reference", "statuses", "create_time_gte", "create_time_lt", "group_name", "page", "page_size")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_LT_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    stream_ids: str
    names: str
    reference: str
    statuses: str
    create_time_gte: str
    create_time_lt: str
    group_name: str
    page: int
    page_size: int
    def __init__(self, account_id: _Optional[str] = ..., stream_ids: _Optional[str] = ..., names: _Optional[str] = ..., reference: _Optional[str] = ..., statuses: _Optional[str] = ..., create_time_gte: _Optional[str] = ..., create_time_lt: _Optional[str] = ..., group_name: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListLunaStreamsV2Response(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[_luna_stream_pb2.LunaStreamV2]
    def __init__(self, streams: _Optional[_Iterable[_Union[_luna_stream_pb2.LunaStreamV2, _Mapping]]] = ...) -> None: ...

class DeleteLunaStreamsRequest(_message.Message):
    __slots__ = ("account_id", "stream_ids", "names")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    stream_ids: _containers.RepeatedScalarFieldContainer[str]
    names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account_id: _Optional[str] = ..., stream_ids: _Optional[_Iterable[str]] = ..., names: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteLunaStreamsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CountLunaStreamsRequest(_message.Message):
    __slots__ = ("account_id", "stream_ids", "names", "reference", "statuses", "create_time_gte", "create_time_lt")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_LT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    stream_ids: str
    names: str
    reference: str
    statuses: str
    create_time_gte: str
    create_time_lt: str
    def __init__(self, account_id: _Optional[str] = ..., stream_ids: _Optional[str] = ..., names: _Optional[str] = ..., reference: _Optional[str] = ..., statuses: _Optional[str] = ..., create_time_gte: _Optional[str] = ..., create_time_lt: _Optional[str] = ...) -> None: ...

class CountLunaStreamsResponse(_message.Message):
    __slots__ = ("streams_count",)
    STREAMS_COUNT_FIELD_NUMBER: _ClassVar[int]
    streams_count: int
    def __init__(self, streams_count: _Optional[int] = ...) -> None: ...

class GetLunaStreamRequest(_message.Message):
    __slots__ = ("stream_id", "account_id")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class GetLunaStreamResponse(_message.Message):
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
    data: _luna_stream_pb2.LunaStreamData
    event_handler: _luna_stream_pb2.LunaStreamEventHandler
    policies: _luna_stream_pb2.LunaStreamPolicies
    location: _luna_stream_pb2.LunaStreamLocation
    autorestart: _luna_stream_pb2.LunaStreamAutorestart
    version: int
    create_time: str
    status: str
    last_error: _struct_pb2.Value
    video_info: _struct_pb2.Value
    groups: _containers.RepeatedScalarFieldContainer[str]
    preview: _luna_stream_pb2.LunaStreamPreview
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., data: _Optional[_Union[_luna_stream_pb2.LunaStreamData, _Mapping]] = ..., event_handler: _Optional[_Union[_luna_stream_pb2.LunaStreamEventHandler, _Mapping]] = ..., policies: _Optional[_Union[_luna_stream_pb2.LunaStreamPolicies, _Mapping]] = ..., location: _Optional[_Union[_luna_stream_pb2.LunaStreamLocation, _Mapping]] = ..., autorestart: _Optional[_Union[_luna_stream_pb2.LunaStreamAutorestart, _Mapping]] = ..., version: _Optional[int] = ..., create_time: _Optional[str] = ..., status: _Optional[str] = ..., last_error: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., video_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ..., preview: _Optional[_Union[_luna_stream_pb2.LunaStreamPreview, _Mapping]] = ...) -> None: ...

class GetLunaStreamV2Request(_message.Message):
    __slots__ = ("stream_id", "account_id")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class GetLunaStreamV2Response(_message.Message):
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
    data: _luna_stream_pb2.LunaStreamDataV2
    location: _luna_stream_pb2.LunaStreamLocation
    autorestart: _luna_stream_pb2.LunaStreamAutorestart
    version: int
    create_time: str
    status: str
    last_error: _struct_pb2.Value
    video_info: _struct_pb2.Value
    groups: _containers.RepeatedScalarFieldContainer[str]
    preview: _luna_stream_pb2.LunaStreamPreview
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., data: _Optional[_Union[_luna_stream_pb2.LunaStreamDataV2, _Mapping]] = ..., location: _Optional[_Union[_luna_stream_pb2.LunaStreamLocation, _Mapping]] = ..., autorestart: _Optional[_Union[_luna_stream_pb2.LunaStreamAutorestart, _Mapping]] = ..., version: _Optional[int] = ..., create_time: _Optional[str] = ..., status: _Optional[str] = ..., last_error: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., video_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ..., preview: _Optional[_Union[_luna_stream_pb2.LunaStreamPreview, _Mapping]] = ...) -> None: ...

class UpdateLunaStreamRequest(_message.Message):
    __slots__ = ("stream_id", "account_id", "description", "status")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    description: str
    status: str
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class UpdateLunaStreamResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReplaceLunaStreamRequest(_message.Message):
    __slots__ = ("stream_id", "account_id", "name", "description", "data", "event_handler", "policies", "location", "autorestart", "status", "group_name")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    EVENT_HANDLER_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    AUTORESTART_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    name: str
    description: str
    data: _luna_stream_pb2.LunaStreamData
    event_handler: _luna_stream_pb2.LunaStreamEventHandler
    policies: _luna_stream_pb2.LunaStreamPolicies
    location: _luna_stream_pb2.LunaStreamLocation
    autorestart: _luna_stream_pb2.LunaStreamAutorestartSettings
    status: str
    group_name: str
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., data: _Optional[_Union[_luna_stream_pb2.LunaStreamData, _Mapping]] = ..., event_handler: _Optional[_Union[_luna_stream_pb2.LunaStreamEventHandler, _Mapping]] = ..., policies: _Optional[_Union[_luna_stream_pb2.LunaStreamPolicies, _Mapping]] = ..., location: _Optional[_Union[_luna_stream_pb2.LunaStreamLocation, _Mapping]] = ..., autorestart: _Optional[_Union[_luna_stream_pb2.LunaStreamAutorestartSettings, _Mapping]] = ..., status: _Optional[str] = ..., group_name: _Optional[str] = ...) -> None: ...

class ReplaceLunaStreamResponse(_message.Message):
    __slots__ = ("stream_id", "version")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    version: int
    def __init__(self, stream_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ReplaceLunaStreamV2Request(_message.Message):
    __slots__ = ("stream_id", "account_id", "name", "description", "data", "location", "autorestart", "status", "group_name")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    AUTORESTART_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    name: str
    description: str
    data: _luna_stream_pb2.LunaStreamDataV2
    location: _luna_stream_pb2.LunaStreamLocation
    autorestart: _luna_stream_pb2.LunaStreamAutorestartSettings
    status: str
    group_name: str
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., data: _Optional[_Union[_luna_stream_pb2.LunaStreamDataV2, _Mapping]] = ..., location: _Optional[_Union[_luna_stream_pb2.LunaStreamLocation, _Mapping]] = ..., autorestart: _Optional[_Union[_luna_stream_pb2.LunaStreamAutorestartSettings, _Mapping]] = ..., status: _Optional[str] = ..., group_name: _Optional[str] = ...) -> None: ...

class ReplaceLunaStreamV2Response(_message.Message):
    __slots__ = ("stream_id", "version")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    version: int
    def __init__(self, stream_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class DeleteLunaStreamRequest(_message.Message):
    __slots__ = ("stream_id", "account_id")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class DeleteLunaStreamResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListLunaQueuedStreamsRequest(_message.Message):
    __slots__ = ("limit", "stream_ids", "names", "group_ids", "group_names")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAMES_FIELD_NUMBER: _ClassVar[int]
    limit: int
    stream_ids: str
    names: str
    group_ids: str
    group_names: str
    def __init__(self, limit: _Optional[int] = ..., stream_ids: _Optional[str] = ..., names: _Optional[str] = ..., group_ids: _Optional[str] = ..., group_names: _Optional[str] = ...) -> None: ...

class ListLunaQueuedStreamsResponse(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[_luna_stream_pb2.LunaStream]
    def __init__(self, streams: _Optional[_Iterable[_Union[_luna_stream_pb2.LunaStream, _Mapping]]] = ...) -> None: ...

class ListLunaQueuedStreamsV2Request(_message.Message):
    __slots__ = ("limit", "stream_ids", "names", "group_ids", "group_names")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAMES_FIELD_NUMBER: _ClassVar[int]
    limit: int
    stream_ids: str
    names: str
    group_ids: str
    group_names: str
    def __init__(self, limit: _Optional[int] = ..., stream_ids: _Optional[str] = ..., names: _Optional[str] = ..., group_ids: _Optional[str] = ..., group_names: _Optional[str] = ...) -> None: ...

class ListLunaQueuedStreamsV2Response(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[_luna_stream_pb2.LunaStreamV2]
    def __init__(self, streams: _Optional[_Iterable[_Union[_luna_stream_pb2.LunaStreamV2, _Mapping]]] = ...) -> None: ...

class TakeLunaQueuedStreamsRequest(_message.Message):
    __slots__ = ("filters", "limit")
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    filters: _luna_stream_pb2.LunaStreamQueueFilters
    limit: int
    def __init__(self, filters: _Optional[_Union[_luna_stream_pb2.LunaStreamQueueFilters, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class TakeLunaQueuedStreamsResponse(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[_luna_stream_pb2.LunaStream]
    def __init__(self, streams: _Optional[_Iterable[_Union[_luna_stream_pb2.LunaStream, _Mapping]]] = ...) -> None: ...

class TakeLunaQueuedStreamsV2Request(_message.Message):
    __slots__ = ("filters", "limit")
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    filters: _luna_stream_pb2.LunaStreamQueueFilters
    limit: int
    def __init__(self, filters: _Optional[_Union[_luna_stream_pb2.LunaStreamQueueFilters, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class TakeLunaQueuedStreamsV2Response(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[_luna_stream_pb2.LunaStreamV2]
    def __init__(self, streams: _Optional[_Iterable[_Union[_luna_stream_pb2.LunaStreamV2, _Mapping]]] = ...) -> None: ...

class SendLunaStreamsFeedbackRequest(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[_luna_stream_pb2.LunaStreamFeedback]
    def __init__(self, streams: _Optional[_Iterable[_Union[_luna_stream_pb2.LunaStreamFeedback, _Mapping]]] = ...) -> None: ...

class SendLunaStreamsFeedbackResponse(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _luna_stream_pb2.LunaStreamFeedbackOutcome
    def __init__(self, streams: _Optional[_Union[_luna_stream_pb2.LunaStreamFeedbackOutcome, _Mapping]] = ...) -> None: ...

class GetLunaStreamLastFramePreviewRequest(_message.Message):
    __slots__ = ("stream_id", "account_id")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class GetLunaStreamLivePreviewRequest(_message.Message):
    __slots__ = ("stream_id", "account_id")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class ListLunaStreamLogsRequest(_message.Message):
    __slots__ = ("account_id", "stream_ids", "statuses", "targets", "log_time_lt", "log_time_gte", "page", "page_size")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    LOG_TIME_LT_FIELD_NUMBER: _ClassVar[int]
    LOG_TIME_GTE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    stream_ids: str
    statuses: str
    targets: _containers.RepeatedScalarFieldContainer[str]
    log_time_lt: str
    log_time_gte: str
    page: int
    page_size: int
    def __init__(self, account_id: _Optional[str] = ..., stream_ids: _Optional[str] = ..., statuses: _Optional[str] = ..., targets: _Optional[_Iterable[str]] = ..., log_time_lt: _Optional[str] = ..., log_time_gte: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListLunaStreamLogsResponse(_message.Message):
    __slots__ = ("logs",)
    LOGS_FIELD_NUMBER: _ClassVar[int]
    logs: _containers.RepeatedCompositeFieldContainer[_luna_stream_pb2.LunaStreamLog]
    def __init__(self, logs: _Optional[_Iterable[_Union[_luna_stream_pb2.LunaStreamLog, _Mapping]]] = ...) -> None: ...

class DeleteLunaStreamLogsRequest(_message.Message):
    __slots__ = ("log_time_lt",)
    LOG_TIME_LT_FIELD_NUMBER: _ClassVar[int]
    log_time_lt: str
    def __init__(self, log_time_lt: _Optional[str] = ...) -> None: ...

class DeleteLunaStreamLogsResponse(_message.Message):
    __slots__ = ("deleted_count",)
    DELETED_COUNT_FIELD_NUMBER: _ClassVar[int]
    deleted_count: int
    def __init__(self, deleted_count: _Optional[int] = ...) -> None: ...
