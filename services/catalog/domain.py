"""The catalog's rules: what is offered (models ready), seats (a unit of
capacity: concurrent streams per analytic per node, each with a stable
serial number), configuration from one schema, and assignment of analytics
to streams as durable work."""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from services.catalog.analytics import Analytic, Catalog
from services.catalog.readiness import Readiness
from services.catalog.repository import CatalogRepository, SeatUse
from services.catalog.schemas import describe, form_fields, sub_forms
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.db.models import Work, utcnow

#: `node-001`, `node-1`, `1` and `0` all name a node by number.
NODE_ID = re.compile(r"^(?:node-?)?(\d{1,6})$", re.IGNORECASE)
MAX_STREAM_ID = 36


def parse_node(node_id: str, what: str = "node") -> int:
    """A node number from either of the documents' forms; NotFound for
    anything else."""
    match = NODE_ID.match((node_id or "").strip())
    if not match:
        raise NotFound(f"{what} not found")
    return int(match.group(1))


def serial_number(analytic_id: str, node_num: int, seat: int) -> str:
    """A seat's serial number: the same for the same seat, always."""
    return f"{analytic_id}-N{node_num}-{seat:04d}"


@dataclass(frozen=True)
class Seat:
    serial_number: str
    active_status: bool


@dataclass(frozen=True)
class Offer:
    """An analytic as a list shows it: its seats over the listed nodes."""

    analytic: Analytic
    seats: tuple[Seat, ...]

    @property
    def all_seats(self) -> int:
        return len(self.seats)

    @property
    def free_seats(self) -> int:
        return sum(1 for seat in self.seats if not seat.active_status)


@dataclass(frozen=True)
class Validation:
    errors: list[str]
    parsed: dict[str, Any] | None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json_text(text: str, what: str) -> tuple[Any, str | None]:
    """JSON text parsed, or an error in words."""
    try:
        return json.loads(text, parse_constant=_reject_constant), None
    except RecursionError:
        return None, f"{what} is nested too deeply"
    except ValueError as err:
        return None, f"{what} is not valid JSON: {str(err)[:200]}"


class CatalogDomain:
    """The catalog, seats, configuration and assignments."""

    def __init__(
        self,
        repo: CatalogRepository,
        readiness: Readiness,
        *,
        seats: Mapping[str, int],
        default_seats: int,
        catalog: Catalog | None = None,
    ) -> None:
        self.catalog = catalog or Catalog()
        for name in seats:
            if self.catalog.find(name) is None:
                raise ValueError(f"VIGIL_ANALYTIC_SEATS names {name!r}, which is not an analytic of the catalog")
        self._seats = {self.catalog.get(name).id: int(count) for name, count in seats.items()}
        if default_seats < 0 or any(count < 0 for count in self._seats.values()):
            raise ValueError("seat counts must not be negative")
        self._default_seats = default_seats
        self._repo = repo
        self._readiness = readiness

    def seats_of(self, analytic: Analytic) -> int:
        """Concurrent streams of the analytic per node (the setting)."""
        return self._seats.get(analytic.id, self._default_seats)

    # --- the catalog -----------------------------------------------------------

    def analytic(self, analytic_id: str) -> Analytic:
        found = self.catalog.find(analytic_id)
        if found is None:
            raise NotFound("analytic not found")
        return found

    async def missing_models(self, analytics: tuple[Analytic, ...]) -> dict[str, list[str]]:
        """Per analytic, the models it needs that are not ready."""
        ready = await self._readiness.ready(m for a in analytics for m in a.models)
        return {a.id: [m for m in a.models if not ready.get(m)] for a in analytics}

    async def offers(self, nodes: list[int] | None = None, *, only: set[str] | None = None) -> list[Offer]:
        """The offered analytics (every model ready) with their seats on
        `nodes` (every registered node when None)."""
        analytics = tuple(a for a in self.catalog.analytics if only is None or a.id in only)
        missing = await self.missing_models(analytics)
        if nodes is None:
            nodes = await asyncio.to_thread(self._repo.nodes)
        uses = await asyncio.to_thread(self._repo.seats_in_use, nodes)
        held: set[tuple[int, str, int]] = {(u.node_num, u.analytic_id, u.seat) for u in uses}
        out = []
        for analytic in analytics:
            if missing[analytic.id]:
                continue
            seats = tuple(
                Seat(serial_number(analytic.id, node, n), (node, analytic.id, n) in held)
                for node in nodes
                for n in range(1, self.seats_of(analytic) + 1)
            )
            out.append(Offer(analytic, seats))
        return out

    async def lenz_offers(self, instance_id: str, federation: bool) -> list[Offer]:
        """Lenz's catalog: one node (`instance_id`), every node
        (`federation`), or node 0 by default."""
        if federation and not instance_id:
            return await self.offers()
        node = parse_node(instance_id, "instance") if instance_id else 0
        if not await asyncio.to_thread(self._repo.node_exists, node):
            raise NotFound("instance not found")
        return await self.offers([node])

    async def active_offers(self) -> list[Offer]:
        """Analytics assigned to at least one stream, with their seats."""
        assigned = await asyncio.to_thread(self._repo.assigned_analytics)
        return await self.offers(only=assigned)

    # --- configuration ---------------------------------------------------------

    def schema(self, analytic_id: str, *, v2: bool) -> dict[str, Any]:
        analytic = self.analytic(analytic_id)
        return analytic.config.schema(v2=v2, title=f"{analytic.name} ({analytic.id}) pipeline configuration")

    def rules(self, analytic_id: str) -> dict[str, Any]:
        return dict(self.analytic(analytic_id).rules)

    def presets(self, analytic_id: str) -> dict[str, Any]:
        analytic = self.analytic(analytic_id)
        return {name: analytic.config.with_defaults(config) for name, config in analytic.presets.items()}

    def default_form(self, analytic_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Lenz `config`: the top-level fields with their defaults, and the
        sub-analytics the default config has (none)."""
        analytic = self.analytic(analytic_id)
        defaults = analytic.config.defaults()
        return form_fields(analytic.config.schema(v2=False), defaults), sub_forms(
            analytic.config, [s["name"] for s in defaults.get("sub_analytics", [])]
        )

    def form(self, analytic_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Lenz `config/form`: the top-level fields and every sub-analytic."""
        analytic = self.analytic(analytic_id)
        return form_fields(analytic.config.schema(v2=False)), sub_forms(analytic.config)

    def validate_text(self, analytic_id: str, text: str, logic: Any) -> Validation:
        """Lenz `config/validate`: `text` is the config as JSON text; `logic`
        (rules) is None, JSON text or an object."""
        if not analytic_id:
            raise InvalidArgument("analytic_id is required")
        analytic = self.analytic(analytic_id)
        config, error = parse_json_text(text, "config") if text.strip() else (None, "config is required")
        if error:
            return Validation([error], None)
        errors = analytic.config.errors(config)
        if isinstance(logic, str) and not logic.strip():
            logic = None
        if isinstance(logic, str):
            logic, logic_error = parse_json_text(logic, "logic")
            if logic_error:
                errors.append(logic_error)
                logic = None
        if logic in (None, "", {}, []):
            pass  # no rules to check
        elif analytic.rules:
            found = Draft202012Validator(analytic.rules).iter_errors(logic)
            errors += sorted({"logic: " + describe(e) for e in found})
        else:
            errors.append(f"logic: {analytic.id} has no event rules")
        return Validation(errors, None if errors else config)

    def checked_config(self, analytic: Analytic, config: dict[str, Any]) -> dict[str, Any]:
        """A pipeline config as stored: valid (InvalidArgument listing the
        errors otherwise), with the schema's defaults."""
        config = _whole_numbers(config)
        errors = analytic.config.errors(config)
        if errors:
            raise InvalidArgument("invalid configuration: " + "; ".join(errors))
        return analytic.config.with_defaults(config)

    # --- assignment ------------------------------------------------------------

    async def check_instance(self, instance_id: str) -> None:
        """Lenz `instance_id` on a pipeline route: empty, or a registered
        node (one database holds every node's assignments)."""
        if instance_id and not await asyncio.to_thread(self._repo.node_exists, parse_node(instance_id, "instance")):
            raise NotFound("instance not found")

    async def _place(self, node_id: str, stream_id: str, analytic_id: str) -> tuple[int, Analytic]:
        """The node and analytic of a pipeline route; NotFound in the order
        a user reads the path: node, stream, analytic."""
        node = parse_node(node_id)
        stream_node = (
            await asyncio.to_thread(self._repo.stream_node, stream_id) if len(stream_id) <= MAX_STREAM_ID else None
        )
        if stream_node is None or stream_node != node:
            if not await asyncio.to_thread(self._repo.node_exists, node):
                raise NotFound("node not found")
            raise NotFound("stream not found")
        return node, self.analytic(analytic_id)

    async def get_pipeline(self, node_id: str, stream_id: str, analytic_id: str) -> tuple[int, Work]:
        node, analytic = await self._place(node_id, stream_id, analytic_id)
        row = await asyncio.to_thread(self._repo.assignment, stream_id, analytic.id)
        if row is None:
            raise NotFound(f"{analytic.id} is not assigned to stream {stream_id}")
        return node, row

    async def assign(self, node_id: str, stream_id: str, analytic_id: str, config: dict[str, Any]) -> Work:
        node, analytic = await self._place(node_id, stream_id, analytic_id)
        stored = self.checked_config(analytic, config)
        missing = (await self.missing_models((analytic,)))[analytic.id]
        if missing:
            raise FailedPrecondition(
                f"{analytic.id} is not available: the inference service has not loaded {', '.join(missing)}"
            )
        return await asyncio.to_thread(
            self._repo.assign,
            stream_id,
            node,
            analytic.id,
            stored,
            self.seats_of(analytic),
            lambda seat: serial_number(analytic.id, node, seat),
            utcnow(),
        )

    async def update(self, node_id: str, stream_id: str, analytic_id: str, config: dict[str, Any]) -> Work:
        _, analytic = await self._place(node_id, stream_id, analytic_id)
        stored = self.checked_config(analytic, config)
        row = await asyncio.to_thread(self._repo.update_config, stream_id, analytic.id, stored, utcnow())
        if row is None:
            raise NotFound(f"{analytic.id} is not assigned to stream {stream_id}")
        return row

    async def remove(self, node_id: str, stream_id: str, analytic_id: str) -> int:
        node, analytic = await self._place(node_id, stream_id, analytic_id)
        if not await asyncio.to_thread(self._repo.remove, stream_id, analytic.id):
            raise NotFound(f"{analytic.id} is not assigned to stream {stream_id}")
        return node

    async def seat_uses(self) -> list[SeatUse]:
        return await asyncio.to_thread(self._repo.seats_in_use)


def _whole_numbers(value: Any) -> Any:
    """JSON from a protobuf Struct has only doubles: 3.0 back to 3, so an
    integer setting stores and prints as the client sent it."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value
