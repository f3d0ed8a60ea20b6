from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from vigil.analytics.v1 import analytic_pb2 as _analytic_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListAnalyticsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAnalyticsResponse(_message.Message):
    __slots__ = ("code", "message", "analytic_num", "deployment_key", "version", "analytics")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ANALYTIC_NUM_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    analytic_num: int
    deployment_key: str
    version: _analytic_pb2.Version
    analytics: _containers.RepeatedCompositeFieldContainer[_analytic_pb2.Analytic]
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., analytic_num: _Optional[int] = ..., deployment_key: _Optional[str] = ..., version: _Optional[_Union[_analytic_pb2.Version, _Mapping]] = ..., analytics: _Optional[_Iterable[_Union[_analytic_pb2.Analytic, _Mapping]]] = ...) -> None: ...

class GetPipelineConfigSchemaRequest(_message.Message):
    __slots__ = ("analytic_id",)
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    def __init__(self, analytic_id: _Optional[str] = ...) -> None: ...

class GetPipelineConfigSchemaV2Request(_message.Message):
    __slots__ = ("analytic_id",)
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    def __init__(self, analytic_id: _Optional[str] = ...) -> None: ...

class GetPipelineRulesRequest(_message.Message):
    __slots__ = ("analytic_id",)
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    def __init__(self, analytic_id: _Optional[str] = ...) -> None: ...

class GetConfigPresetRequest(_message.Message):
    __slots__ = ("analytic_id",)
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    def __init__(self, analytic_id: _Optional[str] = ...) -> None: ...

class ListCatalogAnalyticsRequest(_message.Message):
    __slots__ = ("instance_id", "federation")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    FEDERATION_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    federation: bool
    def __init__(self, instance_id: _Optional[str] = ..., federation: _Optional[bool] = ...) -> None: ...

class ListCatalogAnalyticsResponse(_message.Message):
    __slots__ = ("analytic_num", "analytics", "code", "deployment_key", "hardware_id", "message", "version")
    ANALYTIC_NUM_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_KEY_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    analytic_num: int
    analytics: _containers.RepeatedCompositeFieldContainer[_analytic_pb2.CatalogAnalytic]
    code: int
    deployment_key: str
    hardware_id: str
    message: str
    version: _analytic_pb2.Version
    def __init__(self, analytic_num: _Optional[int] = ..., analytics: _Optional[_Iterable[_Union[_analytic_pb2.CatalogAnalytic, _Mapping]]] = ..., code: _Optional[int] = ..., deployment_key: _Optional[str] = ..., hardware_id: _Optional[str] = ..., message: _Optional[str] = ..., version: _Optional[_Union[_analytic_pb2.Version, _Mapping]] = ...) -> None: ...

class ListActiveAnalyticsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListActiveAnalyticsResponse(_message.Message):
    __slots__ = ("ok", "message", "data")
    OK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    message: str
    data: _analytic_pb2.ActiveAnalytics
    def __init__(self, ok: _Optional[bool] = ..., message: _Optional[str] = ..., data: _Optional[_Union[_analytic_pb2.ActiveAnalytics, _Mapping]] = ...) -> None: ...

class GetAnalyticConfigRequest(_message.Message):
    __slots__ = ("analytic_id",)
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    def __init__(self, analytic_id: _Optional[str] = ...) -> None: ...

class GetAnalyticConfigResponse(_message.Message):
    __slots__ = ("analytic_id", "configs", "sub_analytics", "message", "ok")
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIGS_FIELD_NUMBER: _ClassVar[int]
    SUB_ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    configs: _containers.RepeatedCompositeFieldContainer[_analytic_pb2.ConfigField]
    sub_analytics: _containers.RepeatedCompositeFieldContainer[_analytic_pb2.SubAnalyticForm]
    message: str
    ok: bool
    def __init__(self, analytic_id: _Optional[str] = ..., configs: _Optional[_Iterable[_Union[_analytic_pb2.ConfigField, _Mapping]]] = ..., sub_analytics: _Optional[_Iterable[_Union[_analytic_pb2.SubAnalyticForm, _Mapping]]] = ..., message: _Optional[str] = ..., ok: _Optional[bool] = ...) -> None: ...

class GetAnalyticConfigFormRequest(_message.Message):
    __slots__ = ("analytic_id",)
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    def __init__(self, analytic_id: _Optional[str] = ...) -> None: ...

class GetAnalyticConfigFormResponse(_message.Message):
    __slots__ = ("analytic_id", "configs", "sub_analytics", "message", "ok")
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIGS_FIELD_NUMBER: _ClassVar[int]
    SUB_ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    configs: _containers.RepeatedCompositeFieldContainer[_analytic_pb2.ConfigField]
    sub_analytics: _containers.RepeatedCompositeFieldContainer[_analytic_pb2.SubAnalyticForm]
    message: str
    ok: bool
    def __init__(self, analytic_id: _Optional[str] = ..., configs: _Optional[_Iterable[_Union[_analytic_pb2.ConfigField, _Mapping]]] = ..., sub_analytics: _Optional[_Iterable[_Union[_analytic_pb2.SubAnalyticForm, _Mapping]]] = ..., message: _Optional[str] = ..., ok: _Optional[bool] = ...) -> None: ...

class ValidateAnalyticConfigRequest(_message.Message):
    __slots__ = ("analytic_id", "config", "logic")
    ANALYTIC_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    LOGIC_FIELD_NUMBER: _ClassVar[int]
    analytic_id: str
    config: str
    logic: _struct_pb2.Value
    def __init__(self, analytic_id: _Optional[str] = ..., config: _Optional[str] = ..., logic: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class ValidateAnalyticConfigResponse(_message.Message):
    __slots__ = ("valid", "errors", "parsed_config", "message", "ok")
    VALID_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    PARSED_CONFIG_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    errors: _containers.RepeatedScalarFieldContainer[str]
    parsed_config: _struct_pb2.Value
    message: str
    ok: bool
    def __init__(self, valid: _Optional[bool] = ..., errors: _Optional[_Iterable[str]] = ..., parsed_config: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., message: _Optional[str] = ..., ok: _Optional[bool] = ...) -> None: ...
