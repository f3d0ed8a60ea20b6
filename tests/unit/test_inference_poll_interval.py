"""Poll mode waits `VIGIL_REPOSITORY_POLL_SECONDS` between scans of the
repository (the interval is passed through, not hard-coded), and a scan sees
a model folder change as a new fingerprint."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.common.settings import Settings
from services.inference import domain as domain_module
from services.inference.domain import InferenceDomain
from services.inference.repository import ModelRepository


async def test_the_poller_waits_the_configured_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    scans: list[int] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            raise asyncio.CancelledError

    domain = InferenceDomain(ModelRepository(tmp_path), control_mode="poll", poll_seconds=42.5)

    async def scan() -> None:
        scans.append(1)

    monkeypatch.setattr(domain_module.asyncio, "sleep", fake_sleep)
    monkeypatch.setattr(domain, "poll", scan)
    with pytest.raises(asyncio.CancelledError):
        await domain._poll_forever()
    assert waits == [42.5, 42.5, 42.5]
    assert len(scans) == 2


def test_the_setting_reaches_the_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_MODEL_CONTROL_MODE", "poll")
    monkeypatch.setenv("VIGIL_REPOSITORY_POLL_SECONDS", "0.25")
    settings = Settings()
    assert settings.inference.model_control_mode == "poll" and settings.inference.repository_poll_seconds == 0.25
    monkeypatch.setenv("VIGIL_REPOSITORY_POLL_SECONDS", "0")
    with pytest.raises(ValueError):
        Settings()


def test_fingerprint_changes_with_versions_and_files(tmp_path: Path) -> None:
    repository = ModelRepository(tmp_path)
    (tmp_path / "m" / "1").mkdir(parents=True)
    (tmp_path / "m" / "1" / "model.onnx").write_bytes(b"one")
    first = repository.fingerprint("m")
    (tmp_path / "m" / "2").mkdir()
    second = repository.fingerprint("m")
    assert second != first
    (tmp_path / "m" / "2" / "model.onnx").write_bytes(b"two")
    assert repository.fingerprint("m") != second
    assert repository.fingerprint("m") == repository.fingerprint("m")
    assert repository.fingerprint("gone") == ()
