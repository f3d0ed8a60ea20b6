"""Platform settings: environment variables with the `VIGIL_` prefix.

Every field can also come from a dotenv-style file named by `VIGIL_ENV_FILE`
(default `vigil.env` in the working directory, read when it exists).
Cross-field rules (distinct ports, the reserved inference port) are checked
when the settings load, not on the first request.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The gRPC services of the platform, in start order; each has a `<name>_port`.
SERVICE_NAMES = ("system", "streams", "pipelines", "uploads", "analytics", "classification")


class Settings(BaseSettings):
    """Everything a Vigil process reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="VIGIL_",
        env_file=os.environ.get("VIGIL_ENV_FILE", "vigil.env"),
        extra="ignore",
    )

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file, uploads and run state.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty means SQLite at `<data_dir>/vigil.db`; "
        "`postgresql+psycopg://user:pass@host/db` selects PostgreSQL.",
    )
    grpc_host: str = Field(default="127.0.0.1", description="Address the gRPC servers listen on.")
    http_port: int = Field(default=8080, description="Envoy listener serving every REST family.")
    visionaire_port: int = Field(default=4004, description="Envoy listener at Visionaire4's documented port.")
    luna_port: int = Field(default=5160, description="Envoy listener at LUNA Streams' default port.")
    http_host: str = Field(default="0.0.0.0", description="Address Envoy's REST listeners bind.")
    envoy_admin_port: int = Field(default=9901, description="Envoy admin interface, bound to 127.0.0.1 only.")
    system_port: int = Field(default=50051, description="gRPC port of the System service.")
    streams_port: int = Field(default=50052, description="gRPC port of the Streams services.")
    pipelines_port: int = Field(default=50053, description="gRPC port of the Pipelines service.")
    uploads_port: int = Field(default=50054, description="gRPC port of the Uploads and Archives services.")
    analytics_port: int = Field(default=50055, description="gRPC port of the Analytics and Search services.")
    classification_port: int = Field(default=50056, description="gRPC port of the Classification service.")
    inference_port: int = Field(default=8001, description="Reserved for the inference service (Triton's gRPC port).")
    deployment_key: str = Field(default="vigil-local", description="Deployment key reported by `GET /`.")
    node_ip: str = Field(default="", description="IP address reported for node 0; empty means detect it.")
    heartbeat_seconds: float = Field(default=5.0, gt=0, description="How often node 0 refreshes its registry row.")
    grace_seconds: float = Field(default=5.0, ge=0, description="Graceful stop time for in-flight RPCs on SIGTERM.")
    start_timeout_seconds: float = Field(default=60.0, gt=0, description="How long start-up waits for health.")
    log_level: str = Field(default="info", description="Python log level of every service.")
    envoy_log_level: str = Field(default="warning", description="Envoy's log level.")
    max_string_length: int = Field(default=1024, gt=0, description="Longest free-text field accepted in a request.")

    @model_validator(mode="after")
    def _check_ports(self) -> Settings:
        ports = {name: getattr(self, f"{name}_port") for name in SERVICE_NAMES}
        ports |= {
            "http": self.http_port,
            "visionaire": self.visionaire_port,
            "luna": self.luna_port,
            "envoy_admin": self.envoy_admin_port,
            "inference": self.inference_port,
        }
        seen: dict[int, str] = {}
        for name, port in ports.items():
            if not 0 < port < 65536:
                raise ValueError(f"VIGIL_{name.upper()}_PORT={port} is not a TCP port")
            if port in seen:
                raise ValueError(f"VIGIL_{name.upper()}_PORT and VIGIL_{seen[port].upper()}_PORT are both {port}")
            seen[port] = name
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"VIGIL_LOG_LEVEL={self.log_level} is not debug, info, warning or error")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'vigil.db').resolve()}"

    def grpc_target(self, service: str) -> str:
        """host:port of one gRPC service."""
        return f"{self.grpc_host}:{getattr(self, f'{service}_port')}"

    def masked(self) -> dict[str, dict[str, object]]:
        """The effective settings by section, secrets replaced by `********`."""
        values: dict[str, object] = {}
        for name, value in self.model_dump(mode="json").items():
            if name in {"database_url"} and value:
                value = _mask_url(str(value))
            values[name.upper()] = value
        values["DATABASE_URL"] = _mask_url(self.sqlalchemy_url)
        return {"VIGIL": values}


def _mask_url(url: str) -> str:
    """Hide the password of a URL such as `postgresql+psycopg://u:secret@h/db`."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}"
