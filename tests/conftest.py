"""Fixtures shared by every test: databases (SQLite and PostgreSQL), free
ports, an in-process gRPC server, and the whole platform with the real Envoy."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import grpc
import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from services.common.server import Registration, build_server
from services.db.engine import make_engine, migrate
from services.db.models import Node
from tests.platform_launcher import RunningPlatform, start_platform

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("VIGIL_TEST_POSTGRES_URL", "")


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return f"PostgreSQL for the postgres variants: {POSTGRES_URL}"
    return "!!! VIGIL_TEST_POSTGRES_URL is not set: every PostgreSQL variant is SKIPPED !!!"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def fresh_database(kind: str, tmp: Path) -> Iterator[str]:
    """A migrated, empty database of `kind` (sqlite or postgres)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'vigil.db'}"
        migrate(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL variant skipped: VIGIL_TEST_POSTGRES_URL is not set (see scripts/test.sh)")
    name = f"vigil_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def register_local_node(url: str) -> None:
    """Put node 0 in the registry, as the System service does at start."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(Node(node_num=0, ip_address="127.0.0.1", run_mode="CPU", started_at=now, last_seen=now))
        session.commit()
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty migrated database, once on SQLite and once on PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


class AioServer:
    """A grpc.aio server of the real wiring, on port 0, in its own thread, so
    synchronous tests can call it through ordinary stubs."""

    def __init__(self, registrations: Callable[[], Sequence[Registration]]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.server, self.health, self.port = asyncio.run_coroutine_threadsafe(
            build_server(registrations(), "127.0.0.1:0"), self._loop
        ).result(30)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")

    def call(self, coro: object) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)  # type: ignore[arg-type]

    def close(self) -> None:
        self.channel.close()
        self.call(self.server.stop(0))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def aio_server() -> Iterator[Callable[[Callable[[], Sequence[Registration]]], AioServer]]:
    """Start servers of given registrations; all are stopped after the test."""
    started: list[AioServer] = []

    def start(registrations: Callable[[], Sequence[Registration]]) -> AioServer:
        server = AioServer(registrations)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    """The whole platform (Envoy and every gRPC server) on SQLite, then on
    PostgreSQL. Its stop must be clean (exit code 0). A test module may set
    `PLATFORM_ENV = {"VIGIL_...": "..."}` to change settings."""
    data_dir = tmp_path_factory.mktemp(f"platform-{request.param}")
    with fresh_database(request.param, data_dir) as url:
        running = start_platform(url, data_dir, free_port, getattr(request.module, "PLATFORM_ENV", None))
        try:
            yield running
        finally:
            code = running.stop()
        assert code == 0, running.log.read_text()[-4000:]


#: The Lenz routes, which need the Bearer token (LUNA and Gaard take an
#: optional one whose tenant would replace the one their tests name).
LENZ_PREFIXES = (
    "/api/visionaire-media/",
    "/api/visionaire/",
    "/api/visionaire_active_analytic_list",
    "/vigil/v1/videos/",
)


class PlatformAuth(httpx.Auth):
    """The credentials a signed-in user of each family sends: `Token` on
    FindFace routes, a Bearer JWT on Lenz routes, nothing on the others.
    A request that sets its own Authorization keeps it."""

    def __init__(self, credentials: dict[str, str]) -> None:
        self._credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "authorization" not in request.headers:
            path = request.url.path
            if path == "/videos" or path.startswith("/videos/"):
                request.headers["Authorization"] = f"Token {self._credentials['token']}"
            elif path.startswith(LENZ_PREFIXES) and "bearer" in self._credentials:
                request.headers["Authorization"] = f"Bearer {self._credentials['bearer']}"
        yield request


def http_client(
    platform: RunningPlatform, listener: str = "HTTP", *, credentials: bool = True, **options: object
) -> httpx.Client:
    """One persistent-connection client on a listener of the platform
    (`HTTP` 8080, `VISIONAIRE` 4004, `LUNA` 5160), as users' clients keep
    one: every request of a module reuses its connection, so a framing bug
    anywhere (a body after a 204, a wrong Content-Length) fails a test.
    It signs in as the platform's test user unless `credentials=False`."""
    options.setdefault("timeout", 30)
    if credentials:
        options.setdefault("auth", PlatformAuth(platform.credentials()))
    return httpx.Client(base_url=platform.url("", listener), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def http(platform: RunningPlatform) -> Iterator[httpx.Client]:
    """The module's client on the main listener (8080): `http.get("/streams")`."""
    with http_client(platform) as client:
        yield client


@pytest.fixture(scope="module")
def visionaire_http(platform: RunningPlatform) -> Iterator[httpx.Client]:
    """The module's client on Visionaire4's listener (4004)."""
    with http_client(platform, "VISIONAIRE") as client:
        yield client


@pytest.fixture(scope="module")
def luna_http(platform: RunningPlatform) -> Iterator[httpx.Client]:
    """The module's client on LUNA Streams' listener (5160)."""
    with http_client(platform, "LUNA") as client:
        yield client
