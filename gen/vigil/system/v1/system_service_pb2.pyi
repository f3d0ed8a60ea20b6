from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from vigil.system.v1 import system_pb2 as _system_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetSystemInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSystemInfoResponse(_message.Message):
    __slots__ = ("name", "version", "deployment_key")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_KEY_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: _system_pb2.Version
    deployment_key: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[_Union[_system_pb2.Version, _Mapping]] = ..., deployment_key: _Optional[str] = ...) -> None: ...

class GetNodeStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetNodeStatusResponse(_message.Message):
    __slots__ = ("node_number", "nodes")
    NODE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    node_number: int
    nodes: _containers.RepeatedCompositeFieldContainer[_system_pb2.Node]
    def __init__(self, node_number: _Optional[int] = ..., nodes: _Optional[_Iterable[_Union[_system_pb2.Node, _Mapping]]] = ...) -> None: ...

class GetResourceStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetResourceStatsResponse(_message.Message):
    __slots__ = ("devices",)
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    devices: _containers.RepeatedCompositeFieldContainer[_system_pb2.DeviceStats]
    def __init__(self, devices: _Optional[_Iterable[_Union[_system_pb2.DeviceStats, _Mapping]]] = ...) -> None: ...

class GetResourceStatsV2Request(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetResourceStatsV2Response(_message.Message):
    __slots__ = ("devices",)
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    devices: _containers.RepeatedCompositeFieldContainer[_system_pb2.DeviceStatsV2]
    def __init__(self, devices: _Optional[_Iterable[_Union[_system_pb2.DeviceStatsV2, _Mapping]]] = ...) -> None: ...

class RestartSystemRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RestartSystemResponse(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class GetMetricsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPlatformConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPlatformConfigResponse(_message.Message):
    __slots__ = ("code", "message", "config")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    config: _system_pb2.PlatformConfig
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., config: _Optional[_Union[_system_pb2.PlatformConfig, _Mapping]] = ...) -> None: ...

class UpdatePlatformConfigRequest(_message.Message):
    __slots__ = ("max_streams_per_node", "event_retention_days", "enable_cors", "log_level")
    MAX_STREAMS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
    EVENT_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    ENABLE_CORS_FIELD_NUMBER: _ClassVar[int]
    LOG_LEVEL_FIELD_NUMBER: _ClassVar[int]
    max_streams_per_node: int
    event_retention_days: int
    enable_cors: bool
    log_level: str
    def __init__(self, max_streams_per_node: _Optional[int] = ..., event_retention_days: _Optional[int] = ..., enable_cors: _Optional[bool] = ..., log_level: _Optional[str] = ...) -> None: ...

class UpdatePlatformConfigResponse(_message.Message):
    __slots__ = ("code", "message", "config")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    config: _system_pb2.PlatformConfig
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., config: _Optional[_Union[_system_pb2.PlatformConfig, _Mapping]] = ...) -> None: ...

class GetDatabaseStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDatabaseStatsResponse(_message.Message):
    __slots__ = ("code", "message", "total_size_bytes", "used_size_bytes", "free_size_bytes", "event_count")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    USED_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FREE_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    total_size_bytes: float
    used_size_bytes: float
    free_size_bytes: float
    event_count: float
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., total_size_bytes: _Optional[float] = ..., used_size_bytes: _Optional[float] = ..., free_size_bytes: _Optional[float] = ..., event_count: _Optional[float] = ...) -> None: ...

class GetDatabaseConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDatabaseConfigResponse(_message.Message):
    __slots__ = ("code", "message", "config")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    config: _system_pb2.DatabaseConfig
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., config: _Optional[_Union[_system_pb2.DatabaseConfig, _Mapping]] = ...) -> None: ...

class UpdateDatabaseConfigRequest(_message.Message):
    __slots__ = ("retention_days", "max_events_per_stream")
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    MAX_EVENTS_PER_STREAM_FIELD_NUMBER: _ClassVar[int]
    retention_days: int
    max_events_per_stream: int
    def __init__(self, retention_days: _Optional[int] = ..., max_events_per_stream: _Optional[int] = ...) -> None: ...

class UpdateDatabaseConfigResponse(_message.Message):
    __slots__ = ("code", "message", "config")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    config: _system_pb2.DatabaseConfig
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., config: _Optional[_Union[_system_pb2.DatabaseConfig, _Mapping]] = ...) -> None: ...

class GetCheckinRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCheckinResponse(_message.Message):
    __slots__ = ("code", "message", "checkin")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHECKIN_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    checkin: _system_pb2.Checkin
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., checkin: _Optional[_Union[_system_pb2.Checkin, _Mapping]] = ...) -> None: ...

class CreateCheckinRequest(_message.Message):
    __slots__ = ("access_key", "secret_key")
    ACCESS_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_KEY_FIELD_NUMBER: _ClassVar[int]
    access_key: str
    secret_key: str
    def __init__(self, access_key: _Optional[str] = ..., secret_key: _Optional[str] = ...) -> None: ...

class CreateCheckinResponse(_message.Message):
    __slots__ = ("code", "message", "checkin")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHECKIN_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    checkin: _system_pb2.Checkin
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., checkin: _Optional[_Union[_system_pb2.Checkin, _Mapping]] = ...) -> None: ...

class DeleteCheckinRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteCheckinResponse(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class GetVersionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetVersionResponse(_message.Message):
    __slots__ = ("Version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    Version: _system_pb2.LunaVersion
    def __init__(self, Version: _Optional[_Union[_system_pb2.LunaVersion, _Mapping]] = ...) -> None: ...

class GetHealthcheckRequest(_message.Message):
    __slots__ = ("include_luna_services",)
    INCLUDE_LUNA_SERVICES_FIELD_NUMBER: _ClassVar[int]
    include_luna_services: int
    def __init__(self, include_luna_services: _Optional[int] = ...) -> None: ...

class GetHealthcheckResponse(_message.Message):
    __slots__ = ("execution_time",)
    EXECUTION_TIME_FIELD_NUMBER: _ClassVar[int]
    execution_time: float
    def __init__(self, execution_time: _Optional[float] = ...) -> None: ...

class GetConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPluginsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPluginsResponse(_message.Message):
    __slots__ = ("plugins",)
    PLUGINS_FIELD_NUMBER: _ClassVar[int]
    plugins: _containers.RepeatedCompositeFieldContainer[_system_pb2.Plugin]
    def __init__(self, plugins: _Optional[_Iterable[_Union[_system_pb2.Plugin, _Mapping]]] = ...) -> None: ...

class GetDocsSpecRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDocsDevRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDocsDevPageRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: str
    def __init__(self, page: _Optional[str] = ...) -> None: ...

class GetConsoleFileRequest(_message.Message):
    __slots__ = ("path",)
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...
