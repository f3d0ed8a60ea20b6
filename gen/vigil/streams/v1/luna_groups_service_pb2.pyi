from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from vigil.streams.v1 import luna_group_pb2 as _luna_group_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateLunaGroupRequest(_message.Message):
    __slots__ = ("account_id", "group_name", "description")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    group_name: str
    description: str
    def __init__(self, account_id: _Optional[str] = ..., group_name: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreateLunaGroupResponse(_message.Message):
    __slots__ = ("group_id", "group_name")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    group_name: str
    def __init__(self, group_id: _Optional[str] = ..., group_name: _Optional[str] = ...) -> None: ...

class ListLunaGroupsRequest(_message.Message):
    __slots__ = ("group_ids", "group_names", "account_id", "page", "page_size")
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAMES_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    group_ids: str
    group_names: str
    account_id: str
    page: int
    page_size: int
    def __init__(self, group_ids: _Optional[str] = ..., group_names: _Optional[str] = ..., account_id: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListLunaGroupsResponse(_message.Message):
    __slots__ = ("groups", "http_body")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    HTTP_BODY_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[_luna_group_pb2.LunaGroup]
    http_body: _httpbody_pb2.HttpBody
    def __init__(self, groups: _Optional[_Iterable[_Union[_luna_group_pb2.LunaGroup, _Mapping]]] = ..., http_body: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class CountLunaGroupsRequest(_message.Message):
    __slots__ = ("group_ids", "group_names", "account_id")
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAMES_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    group_ids: str
    group_names: str
    account_id: str
    def __init__(self, group_ids: _Optional[str] = ..., group_names: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class CountLunaGroupsResponse(_message.Message):
    __slots__ = ("groups_count",)
    GROUPS_COUNT_FIELD_NUMBER: _ClassVar[int]
    groups_count: int
    def __init__(self, groups_count: _Optional[int] = ...) -> None: ...

class GetLunaGroupRequest(_message.Message):
    __slots__ = ("group_id", "account_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    account_id: str
    def __init__(self, group_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class GetLunaGroupResponse(_message.Message):
    __slots__ = ("account_id", "group_name", "group_id", "description", "create_time")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    group_name: str
    group_id: str
    description: str
    create_time: str
    def __init__(self, account_id: _Optional[str] = ..., group_name: _Optional[str] = ..., group_id: _Optional[str] = ..., description: _Optional[str] = ..., create_time: _Optional[str] = ...) -> None: ...

class UpdateLunaGroupRequest(_message.Message):
    __slots__ = ("group_id", "account_id", "description")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    account_id: str
    description: str
    def __init__(self, group_id: _Optional[str] = ..., account_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class UpdateLunaGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteLunaGroupRequest(_message.Message):
    __slots__ = ("group_id", "account_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    account_id: str
    def __init__(self, group_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class DeleteLunaGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LinkLunaGroupStreamsRequest(_message.Message):
    __slots__ = ("account_id", "action", "stream_ids", "group_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    action: str
    stream_ids: _containers.RepeatedScalarFieldContainer[str]
    group_id: str
    def __init__(self, account_id: _Optional[str] = ..., action: _Optional[str] = ..., stream_ids: _Optional[_Iterable[str]] = ..., group_id: _Optional[str] = ...) -> None: ...

class LinkLunaGroupStreamsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
