import pytest
from pydantic import ValidationError

from services.common.settings import Settings


def test_defaults_are_documented_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)
    assert (settings.http_port, settings.visionaire_port, settings.luna_port) == (8080, 4004, 5160)
    assert settings.inference_port == 8001
    assert settings.sqlalchemy_url.startswith("sqlite:///") and settings.sqlalchemy_url.endswith("vigil.db")


def test_environment_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_HTTP_PORT", "18080")
    monkeypatch.setenv("VIGIL_DATABASE_URL", "postgresql+psycopg://u:secret@db/vigil")
    settings = Settings(_env_file=None)
    assert settings.http_port == 18080
    masked = settings.masked()["VIGIL"]
    assert masked["DATABASE_URL"] == "postgresql+psycopg://u:********@db/vigil"
    assert "secret" not in str(masked)


def test_env_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "vigil.env"
    env.write_text("VIGIL_LUNA_PORT=15160\n")
    assert Settings(_env_file=env).luna_port == 15160


def test_port_clash_is_rejected_at_load() -> None:
    with pytest.raises(ValidationError, match="both 8001"):
        Settings(_env_file=None, streams_port=8001)


def test_bad_log_level_is_rejected_at_load() -> None:
    with pytest.raises(ValidationError, match="LOG_LEVEL"):
        Settings(_env_file=None, log_level="chatty")


def test_supervisor_settings_come_from_the_environment_and_stay_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_SUPERVISOR_PID", "4242")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/run/metrics")
    settings = Settings(_env_file=None)
    assert (settings.supervisor_pid, settings.prometheus_multiproc_dir) == (4242, "/run/metrics")
    assert not {"SUPERVISOR_PID", "PROMETHEUS_MULTIPROC_DIR"} & settings.masked()["VIGIL"].keys()
