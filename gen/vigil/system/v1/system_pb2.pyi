from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Version(_message.Message):
    __slots__ = ("major", "minor", "patch")
    MAJOR_FIELD_NUMBER: _ClassVar[int]
    MINOR_FIELD_NUMBER: _ClassVar[int]
    PATCH_FIELD_NUMBER: _ClassVar[int]
    major: int
    minor: int
    patch: int
    def __init__(self, major: _Optional[int] = ..., minor: _Optional[int] = ..., patch: _Optional[int] = ...) -> None: ...

class Node(_message.Message):
    __slots__ = ("node_num", "status", "running_time_sec", "ip_address", "run_mode", "workers")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_TIME_SEC_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    RUN_MODE_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    status: str
    running_time_sec: float
    ip_address: str
    run_mode: str
    workers: _containers.RepeatedCompositeFieldContainer[EngineWorker]
    def __init__(self, node_num: _Optional[int] = ..., status: _Optional[str] = ..., running_time_sec: _Optional[float] = ..., ip_address: _Optional[str] = ..., run_mode: _Optional[str] = ..., workers: _Optional[_Iterable[_Union[EngineWorker, _Mapping]]] = ...) -> None: ...

class EngineWorker(_message.Message):
    __slots__ = ("worker_id", "status", "work_held", "running_time_sec", "last_heartbeat_sec")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WORK_HELD_FIELD_NUMBER: _ClassVar[int]
    RUNNING_TIME_SEC_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_SEC_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    status: str
    work_held: int
    running_time_sec: float
    last_heartbeat_sec: float
    def __init__(self, worker_id: _Optional[str] = ..., status: _Optional[str] = ..., work_held: _Optional[int] = ..., running_time_sec: _Optional[float] = ..., last_heartbeat_sec: _Optional[float] = ...) -> None: ...

class GpuService(_message.Message):
    __slots__ = ("service_name", "service_number")
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    service_name: str
    service_number: int
    def __init__(self, service_name: _Optional[str] = ..., service_number: _Optional[int] = ...) -> None: ...

class Gpu(_message.Message):
    __slots__ = ("gpu_id", "gpu_name", "gpu_utilization", "gpu_temperature", "gpu_memory_total", "gpu_memory_used", "gpu_memory_free", "services")
    GPU_ID_FIELD_NUMBER: _ClassVar[int]
    GPU_NAME_FIELD_NUMBER: _ClassVar[int]
    GPU_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    GPU_TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    GPU_MEMORY_TOTAL_FIELD_NUMBER: _ClassVar[int]
    GPU_MEMORY_USED_FIELD_NUMBER: _ClassVar[int]
    GPU_MEMORY_FREE_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    gpu_id: int
    gpu_name: str
    gpu_utilization: float
    gpu_temperature: float
    gpu_memory_total: float
    gpu_memory_used: float
    gpu_memory_free: float
    services: _containers.RepeatedCompositeFieldContainer[GpuService]
    def __init__(self, gpu_id: _Optional[int] = ..., gpu_name: _Optional[str] = ..., gpu_utilization: _Optional[float] = ..., gpu_temperature: _Optional[float] = ..., gpu_memory_total: _Optional[float] = ..., gpu_memory_used: _Optional[float] = ..., gpu_memory_free: _Optional[float] = ..., services: _Optional[_Iterable[_Union[GpuService, _Mapping]]] = ...) -> None: ...

class ResourceData(_message.Message):
    __slots__ = ("cpu_percent", "ram_percent", "swap_memory_percent", "gpus", "services")
    CPU_PERCENT_FIELD_NUMBER: _ClassVar[int]
    RAM_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SWAP_MEMORY_PERCENT_FIELD_NUMBER: _ClassVar[int]
    GPUS_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    cpu_percent: float
    ram_percent: float
    swap_memory_percent: float
    gpus: _containers.RepeatedCompositeFieldContainer[Gpu]
    services: _containers.RepeatedCompositeFieldContainer[GpuService]
    def __init__(self, cpu_percent: _Optional[float] = ..., ram_percent: _Optional[float] = ..., swap_memory_percent: _Optional[float] = ..., gpus: _Optional[_Iterable[_Union[Gpu, _Mapping]]] = ..., services: _Optional[_Iterable[_Union[GpuService, _Mapping]]] = ...) -> None: ...

class DeviceStats(_message.Message):
    __slots__ = ("node_num", "data")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    data: ResourceData
    def __init__(self, node_num: _Optional[int] = ..., data: _Optional[_Union[ResourceData, _Mapping]] = ...) -> None: ...

class DeviceStatsV2(_message.Message):
    __slots__ = ("node_num", "ip_address", "data")
    NODE_NUM_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    node_num: int
    ip_address: str
    data: ResourceData
    def __init__(self, node_num: _Optional[int] = ..., ip_address: _Optional[str] = ..., data: _Optional[_Union[ResourceData, _Mapping]] = ...) -> None: ...

class PlatformConfig(_message.Message):
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

class DatabaseConfig(_message.Message):
    __slots__ = ("retention_days", "max_events_per_stream")
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    MAX_EVENTS_PER_STREAM_FIELD_NUMBER: _ClassVar[int]
    retention_days: int
    max_events_per_stream: int
    def __init__(self, retention_days: _Optional[int] = ..., max_events_per_stream: _Optional[int] = ...) -> None: ...

class Checkin(_message.Message):
    __slots__ = ("status", "deployment_key", "last_checkin_at", "expires_at")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_KEY_FIELD_NUMBER: _ClassVar[int]
    LAST_CHECKIN_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    status: str
    deployment_key: str
    last_checkin_at: str
    expires_at: str
    def __init__(self, status: _Optional[str] = ..., deployment_key: _Optional[str] = ..., last_checkin_at: _Optional[str] = ..., expires_at: _Optional[str] = ...) -> None: ...

class LunaVersion(_message.Message):
    __slots__ = ("api", "major", "minor", "patch")
    API_FIELD_NUMBER: _ClassVar[int]
    MAJOR_FIELD_NUMBER: _ClassVar[int]
    MINOR_FIELD_NUMBER: _ClassVar[int]
    PATCH_FIELD_NUMBER: _ClassVar[int]
    api: int
    major: int
    minor: int
    patch: int
    def __init__(self, api: _Optional[int] = ..., major: _Optional[int] = ..., minor: _Optional[int] = ..., patch: _Optional[int] = ...) -> None: ...

class Plugin(_message.Message):
    __slots__ = ("name", "running")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    name: str
    running: int
    def __init__(self, name: _Optional[str] = ..., running: _Optional[int] = ...) -> None: ...
