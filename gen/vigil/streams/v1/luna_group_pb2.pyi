from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class LunaGroup(_message.Message):
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
