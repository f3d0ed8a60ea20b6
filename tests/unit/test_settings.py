import pytest
from pydantic import ValidationError

from services.common.settings import Settings, UploadsSettings, load_settings


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


def test_a_misspelt_variable_is_an_error_that_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_UPLAOD_MAX_BYTES", "1")
    with pytest.raises(
        ValueError, match=r"VIGIL_UPLAOD_MAX_BYTES is not a Vigil setting \(did you mean VIGIL_UPLOAD_MAX_BYTES\?\)"
    ):
        Settings(_env_file=None)


def test_a_misspelt_variable_in_the_env_file_is_an_error_too(tmp_path) -> None:
    env = tmp_path / "vigil.env"
    env.write_text("VIGIL_HTTP_PORTS=1\nOTHER_TOOL=kept\n")
    with pytest.raises(ValueError, match="VIGIL_HTTP_PORTS"):
        Settings(_env_file=env)


def test_the_tools_variables_are_not_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VIGIL_ENV_FILE", "VIGIL_CACHE_DIR", "VIGIL_TEST_ANYTHING"):
        monkeypatch.setenv(name, "/nowhere")
    assert Settings(_env_file=None).http_port == 8080


def test_the_env_file_is_chosen_when_settings_load(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "site.env"
    env.write_text("VIGIL_UPLOAD_IDLE_SECONDS=42\n")
    monkeypatch.setenv("VIGIL_ENV_FILE", str(env))
    assert Settings().uploads.idle_seconds == 42
    monkeypatch.setenv("VIGIL_UPLOAD_IDLE_SECONDS", "7")  # the environment wins over the file
    assert Settings().uploads.idle_seconds == 7


def test_flat_variables_reach_their_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_LUNA_PREVIEW_MAX_BYTES", "1000")
    monkeypatch.setenv("VIGIL_CLASSIFY_SAMPLE_FPS", "5")
    monkeypatch.setenv("VIGIL_INFERENCE_THREADS", "3")
    monkeypatch.setenv("VIGIL_MODEL_CONTROL_MODE", "none")
    monkeypatch.setenv("VIGIL_DEPLOYMENT_KEY", "site-7")
    settings = Settings(_env_file=None)
    assert settings.streams.preview_max_bytes == 1000
    assert settings.classification.sample_fps == 5
    assert (settings.inference.threads, settings.inference.model_control_mode) == (3, "none")
    assert settings.system.deployment_key == "site-7"


def test_former_port_names_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_PIPELINES_PORT", "51053")
    monkeypatch.setenv("VIGIL_ANALYTICS_PORT", "51055")
    settings = Settings(_env_file=None)
    assert (settings.catalog_port, settings.engine_port) == (51053, 51055)
    monkeypatch.setenv("VIGIL_CATALOG_PORT", "52053")  # the current name wins
    assert Settings(_env_file=None).catalog_port == 52053


def test_config_shows_flat_names_only() -> None:
    shown = Settings(_env_file=None).masked()["VIGIL"]
    for name in (
        "UPLOAD_MAX_BYTES",
        "CLASSIFY_SAMPLE_FPS",
        "LUNA_PREVIEW_MAX_BYTES",
        "MODEL_REPOSITORY",
        "INFERENCE_THREADS",
    ):
        assert name in shown
    assert not {"UPLOADS", "CLASSIFICATION", "STREAMS", "INFERENCE", "SYSTEM"} & shown.keys()
    assert all(not isinstance(value, dict) for value in shown.values())
    assert len(Settings.flat_names()) == len({name.upper() for name in Settings.flat_names()})


def test_sections_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="bogus"):
        UploadsSettings(bogus=1)  # type: ignore[call-arg]


def test_a_section_value_out_of_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="max_bytes"):
        Settings(_env_file=None).replace(upload_max_bytes=0)


def test_a_process_with_bad_settings_stops_naming_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("VIGIL_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("VIGIL_UPLOAD_MAX_BYTES", "0")
    monkeypatch.setenv("VIGIL_CLASSIFY_LOW_THRESHOLD", "0.9")
    monkeypatch.setenv("VIGIL_HTTP_PORT", "not-a-port")
    with pytest.raises(SystemExit) as stopped:
        load_settings("uploads")
    text = str(stopped.value)
    assert text.startswith("uploads: bad settings: ")
    assert "VIGIL_UPLOAD_MAX_BYTES: Input should be greater than 0" in text
    assert "VIGIL_HTTP_PORT: Input should be a valid integer" in text
