"""The engine's analysers by analytic id.

Each analytic family has its own analysis stage (services/engine/analysers.py
for people and vehicles; face recognition, plates and smart search add
theirs). `Analysers` is the one `Analyser` a worker holds: it hands each row
to the stage registered for the row's analytic, and refuses an analytic no
stage is registered for, naming the ones that are, so nothing pretends to
analyse it. A new stage is one entry in `services/engine/wiring.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.catalog import work
from services.engine.sources import OpenStream
from services.engine.workers import Analyser, Prepared, prepare
from services.media.frame_ring import FrameRef


class Analysers:
    """An `Analyser` that routes each work row to the stage of its analytic."""

    def __init__(self, stages: Mapping[str, Analyser]) -> None:
        self._stages = dict(stages)

    def refuse(self, item: work.WorkItem) -> str | None:
        stage = self._stages.get(item.analytic_id)
        if stage is None:
            return (
                f"analytic {item.analytic_id} is not built in this engine "
                f"(only {', '.join(sorted(self._stages))} are analysed); the work is not run"
            )
        return stage.refuse(item)

    def forget(self, work_id: int) -> None:
        for stage in {id(s): s for s in self._stages.values()}.values():
            stage.forget(work_id)

    def counters(self, item: work.WorkItem) -> dict[str, int]:
        """What the row's stage counted beside its events ({} when it counts nothing)."""
        counters = getattr(self._stages.get(item.analytic_id), "counters", None)
        return dict(counters(item.id)) if counters is not None else {}

    async def flush(self, item: work.WorkItem, stream: OpenStream, time: float) -> None:
        """The row's source ended for good (an offline job's recording): the
        stage decides what it still holds, if it holds anything."""
        stage = self._stages.get(item.analytic_id)
        flush = getattr(stage, "flush", None)
        if flush is not None:
            await flush(item, stream, time)

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        stage = self._stages.get(item.analytic_id)
        if stage is None:
            raise ValueError(self.refuse(item))
        await stage.analyse(item, config, stream, ref)

    async def prepare(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> Prepared:
        """The frame begun by the row's stage (workers.Prepared); a stage
        that begins nothing early analyses the whole frame in `complete`."""
        stage = self._stages.get(item.analytic_id)
        if stage is None:
            raise ValueError(self.refuse(item))
        return await prepare(stage, item, config, stream, ref)
