"""LUNA stream groups (document 002): named sets of streams of one account,
and the linker that attaches streams to a group or detaches them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from services.common.errors import AlreadyExists, InvalidArgument, NotFound
from services.common.quoting import quoted
from services.db.models import StreamGroup, utcnow
from services.streams import luna_schema as schema
from services.streams.luna_repository import GroupFilters, LunaGroupRepository, LunaStreamRepository


def group_not_found(group_id: str) -> NotFound:
    return NotFound(f"Group with id '{group_id}' not found")


class LunaGroupsDomain:
    """Creates, reads, changes and deletes groups; links streams to them."""

    def __init__(self, groups: LunaGroupRepository, streams: LunaStreamRepository) -> None:
        self._groups = groups
        self._streams = streams

    async def create(self, account_id: str, group_name: str, description: str) -> StreamGroup:
        """A new group; 12022 for a bad body, 409 when the account already
        has a group with this name."""
        if not account_id:
            raise schema.bad_json("", "'account_id' is a required property")
        if not schema.is_uuid(account_id):
            raise schema.bad_json("account_id", f"{quoted(account_id)} is not a valid uuid")
        if not group_name:
            raise schema.bad_json("", "'group_name' is a required property")
        if not schema.GROUP_NAME_PATTERN.match(group_name):
            raise schema.bad_json("group_name", f"{quoted(group_name)} does not match '^[a-zA-Z0-9_\\\\-]{{1,128}}$'")
        if len(description) > schema.MAX_GROUP_DESCRIPTION_LENGTH:
            raise schema.bad_json("description", f"{quoted(description)} is too long")
        group = StreamGroup(
            group_id=str(uuid.uuid4()),
            account_id=account_id,
            group_name=group_name,
            description=description,
            create_time=utcnow(),
        )
        created = await asyncio.to_thread(self._groups.add, group)
        if created is None:
            raise AlreadyExists(f"Group with name '{group_name}' already exists")
        return created

    @staticmethod
    def filters(account_id: str, group_ids: str, group_names: str) -> GroupFilters:
        return GroupFilters(
            account_id=schema.query_uuid("account_id", account_id),
            group_ids=schema.query_list("group_ids", group_ids, schema.is_uuid),
            group_names=schema.query_list(
                "group_names", group_names, lambda n: bool(schema.GROUP_NAME_PATTERN.match(n))
            ),
        )

    async def list_groups(
        self, account_id: str, group_ids: str, group_names: str, page: int | None, page_size: int | None
    ) -> list[StreamGroup]:
        """One page of groups, oldest first."""
        filters = self.filters(account_id, group_ids, group_names)
        offset, limit = schema.page_window(page, page_size)
        return await asyncio.to_thread(self._groups.page, filters, offset, limit)

    async def count(self, account_id: str, group_ids: str, group_names: str) -> int:
        return await asyncio.to_thread(self._groups.count, self.filters(account_id, group_ids, group_names))

    async def get(self, group_id: str, account_id: str = "") -> StreamGroup:
        """One group; 39001 when it does not exist in the account."""
        if not schema.is_uuid(group_id):
            raise InvalidArgument(f"group_id {quoted(group_id)} is not a valid uuid")
        account = schema.query_uuid("account_id", account_id)
        group = await asyncio.to_thread(self._groups.get, group_id)
        if group is None or (account is not None and group.account_id != account):
            raise group_not_found(group_id)
        return group

    async def update(self, group_id: str, account_id: str, description: str | None) -> None:
        if description is None:
            raise schema.bad_json("", "'description' is a required property")
        if len(description) > schema.MAX_GROUP_DESCRIPTION_LENGTH:
            raise schema.bad_json("description", f"{quoted(description)} is too long")
        await self.get(group_id, account_id)
        if not await asyncio.to_thread(self._groups.set_description, group_id, description):
            raise group_not_found(group_id)

    async def delete(self, group_id: str, account_id: str = "") -> None:
        """Delete a group; its streams stay, detached from it."""
        await self.get(group_id, account_id)
        if not await asyncio.to_thread(self._groups.delete, group_id):
            raise group_not_found(group_id)

    async def link(self, account_id: str, action: str, stream_ids: Sequence[str], group_id: str) -> None:
        """Attach streams to a group ("attach") or detach them ("detach").
        The group and every stream must exist (in the account when one is
        given, and streams of another account than the group's cannot join
        it); 39001 names the first one missing."""
        account = schema.query_uuid("account_id", account_id)
        if action not in ("attach", "detach"):
            raise schema.bad_json("action", f"{quoted(action)} is not one of ['attach', 'detach']")
        if not group_id:
            raise schema.bad_json("", "'group_id' is a required property")
        if not schema.is_uuid(group_id):
            raise schema.bad_json("group_id", f"{quoted(group_id)} is not a valid uuid")
        if len(stream_ids) > schema.MAX_FILTER_ITEMS:
            raise schema.bad_json("stream_ids", f"is too long (more than {schema.MAX_FILTER_ITEMS} items)")
        for i, stream_id in enumerate(stream_ids):
            if not schema.is_uuid(stream_id):
                raise schema.bad_json(f"stream_ids.{i}", f"{quoted(stream_id)} is not a valid uuid")
        group = await asyncio.to_thread(self._groups.get, group_id)
        if group is None or (account is not None and group.account_id != account):
            raise group_not_found(group_id)
        ids = list(dict.fromkeys(stream_ids))
        accounts = await asyncio.to_thread(self._streams.accounts_of, ids)
        for stream_id in ids:
            if stream_id not in accounts or accounts[stream_id] not in (None, group.account_id):
                raise NotFound(f"Stream with id '{stream_id}' not found")
        if not await asyncio.to_thread(self._groups.link, group_id, ids, action == "attach"):
            raise NotFound("a stream or the group was deleted meanwhile")
