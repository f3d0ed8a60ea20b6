"""The engine's dispatcher (services/engine/dispatch.py): each work row goes
to the stage of its analytic; an analytic with no stage is refused by name
(its row fails with that message before its stream opens), and a stage's
own refusal is passed on; `forget` reaches every stage once."""

from __future__ import annotations

from typing import Any, cast

import pytest

from services.catalog import work
from services.engine.dispatch import Analysers
from tests.engine_support import work_item


class Stage:
    """A stage that records what it was handed (no analysis here)."""

    def __init__(self, refusal: str | None = None) -> None:
        self.refusal = refusal
        self.seen: list[tuple[int, Any]] = []
        self.forgotten: list[int] = []

    def refuse(self, item: work.WorkItem) -> str | None:
        return self.refusal

    def forget(self, work_id: int) -> None:
        self.forgotten.append(work_id)

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: Any, ref: Any) -> None:
        self.seen.append((item.id, ref))


def item(work_id: int, analytic_id: str) -> work.WorkItem:
    return work_item(analytic_id, "s", work_id=work_id)


async def test_rows_go_to_their_stage_and_unknown_analytics_are_refused_by_name() -> None:
    people, faces = Stage(), Stage(refusal="bad config")
    stages: dict[str, Any] = {"NFV4-MPA": people, "NFV4-MVA": people, "NFV4-FR": faces}
    analysers = Analysers(stages)
    assert analysers.refuse(item(1, "NFV4-MPA")) is None
    assert analysers.refuse(item(2, "NFV4-FR")) == "bad config"
    why = analysers.refuse(item(3, "NFV4-XX"))
    assert why == (
        "analytic NFV4-XX is not built in this engine "
        "(only NFV4-FR, NFV4-MPA, NFV4-MVA are analysed); the work is not run"
    )
    await analysers.analyse(item(1, "NFV4-MPA"), {}, cast(Any, None), cast(Any, "frame-1"))
    assert people.seen == [(1, "frame-1")] and faces.seen == []
    with pytest.raises(ValueError, match="NFV4-XX is not built"):
        await analysers.analyse(item(3, "NFV4-XX"), {}, cast(Any, None), cast(Any, "frame-2"))
    analysers.forget(1)
    assert people.forgotten == [1] and faces.forgotten == [1]  # once per stage, however many analytics it serves
