"""Schemathesis against the platform's own OpenAPI document (`GET /docs/spec`)
through the real Envoy (issue 18, item 3): every operation, a fixed seed and a
random one (printed, for replay), bounded to a few minutes. Each answer must
not be a 5xx, must come back (no hang: the client's timeout), and must conform
to the document (a documented status, content type and body schema). A failure
prints the operations that failed with a curl command to replay each request.

Replay a run: `VIGIL_TEST_FUZZ_SEED=<seed> scripts/test.sh tests/e2e/test_fuzz.py`;
`VIGIL_TEST_FUZZ_EXAMPLES` sets the examples per operation and seed.

Requests go through the module's one persistent client (`http`, made by
tests/conftest.py::http_client), so they carry whatever headers the e2e tests
send (credentials included)."""

from __future__ import annotations

import datetime
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, strategies
from schemathesis.specs.openapi import checks as openapi_checks

from tests.platform_launcher import RunningPlatform

#: Examples per operation and seed (113 operations, two seeds).
EXAMPLES = int(os.environ.get("VIGIL_TEST_FUZZ_EXAMPLES", "8"))
FIXED_SEED = 18_2026
#: Only the operations whose label (`PUT /videos/{id}/upload/source_file`)
#: contains this text, to replay one: `VIGIL_TEST_FUZZ_ONLY`.
ONLY = os.environ.get("VIGIL_TEST_FUZZ_ONLY", "")
#: How long an answer that never ends (MJPEG) is read before it is cut.
STREAM_READ_SECONDS = 2.0
#: What every answer is checked for.
#: (5xx are counted apart: 501 is the honest answer of a route not built yet.)
CHECKS = [
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
#: Left out: `POST /system/restart` restarts every service (its own tests
#: cover it), which would turn the rest of the run into 503s.
SKIPPED = {"SystemService.RestartSystem"}
#: Failures found after the auth and engine merges, not fixed yet (issue 18
#: notes): skipped by label until they are.
KNOWN: set[str] = set()


@dataclass
class Run:
    seed: int
    requests: int = 0
    server_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    generator_faults: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def schema(platform: RunningPlatform, http: httpx.Client) -> Any:
    reply = http.get("/docs/spec", headers={"Accept": "application/x-yaml"})
    assert reply.status_code == 200, reply.text[:300]
    return schemathesis.openapi.from_dict(yaml.safe_load(reply.text))


def _send(http: httpx.Client, case: Any) -> httpx.Response:
    """One generated request, sent as schemathesis would send it, through
    the module's client."""
    kwargs = case.as_transport_kwargs(base_url=str(http.base_url).rstrip("/"))
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "params": kwargs.get("params"),
        # The client's own credentials (http_client signs in), not generated
        # ones; of the generated headers only the body's type (a generated
        # Authorization would replace the credentials). Header names gRPC
        # metadata cannot carry are covered by test_edge_hardening.
        "headers": {k: str(v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() == "content-type"},
    }
    if kwargs.get("cookies"):
        request["headers"]["Cookie"] = "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items())
    if kwargs.get("json") is not None:
        request["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        request["content"] = data
    elif data is not None:
        request["data"] = data
    if kwargs.get("files") is not None:
        request["files"] = kwargs["files"]
    # Read the answer as it comes: an endless one (a live MJPEG of a stream
    # the fuzzer made, a quiet events watch) is cut after STREAM_READ_SECONDS
    # (once its headers came, each read waits at most that long) and its
    # status, headers and first bytes are checked; its body, cut, is not
    # checked against a schema.
    with http.stream(**request) as streamed:
        body = bytearray()
        until = time.monotonic() + STREAM_READ_SECONDS
        timeouts = dict(streamed.request.extensions.get("timeout", {}))
        streamed.request.extensions["timeout"] = timeouts | {"read": STREAM_READ_SECONDS}
        cut = False
        try:
            for chunk in streamed.iter_bytes():
                body += chunk
                if time.monotonic() > until:
                    cut = True
                    break
        except httpx.ReadTimeout:
            cut = True  # the headers came; the body pauses longer than we read
        response = httpx.Response(
            streamed.status_code, headers=streamed.headers, content=bytes(body), request=streamed.request
        )
    response.elapsed = datetime.timedelta(0)
    response.extensions["cut"] = cut
    return response


def _fuzz(schema: Any, http: httpx.Client, seed: int) -> Run:
    run = Run(seed)
    for operation in _operations(schema):
        failures = _fuzz_operation(operation, http, run)
        run.failures.extend(f"{operation.label}: {text}" for text in failures[:3])
    return run


def _fuzz_operation(operation: Any, http: httpx.Client, run: Run) -> list[str]:
    """Up to EXAMPLES requests to one operation; what failed, with a curl
    command to replay each."""
    failures: list[str] = []

    @hypothesis.seed(run.seed)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the run stays bounded
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @hypothesis.given(case=_strategy(operation))
    def check(case: Any) -> None:
        run.requests += 1
        try:
            response = _send(http, case)
        except httpx.TimeoutException:
            failures.append(f"no answer within {http.timeout.read} s (a hang)\n  replay: {case.as_curl_command()}")
            return
        except (httpx.HTTPError, httpx.StreamError) as exc:  # a connection cut, a malformed answer: recorded
            failures.append(f"{type(exc).__name__}: {exc}\n  replay: {case.as_curl_command()}")
            return
        run.statuses[response.status_code] += 1
        if response.status_code >= 500 and response.status_code != 501:
            run.server_errors += 1
            failures.append(f"{response.status_code} {response.text[:300]}\n  replay: {case.as_curl_command()}")
            return
        try:
            checks = CHECKS[:2] if response.extensions.get("cut") else CHECKS
            case.validate_response(response, checks=checks)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis gathers failed checks in one group
            first = str(exc).strip().splitlines()
            failures.append(f"{response.status_code} {' / '.join(first[:6])}\n  replay: {case.as_curl_command()}")
        except Exception as exc:  # the check itself could not judge the answer: recorded, never raised
            failures.append(
                f"{response.status_code} the check failed: {type(exc).__name__}: {str(exc)[:300]}\n"
                f"  replay: {case.as_curl_command()}"
            )

    try:
        check()
    except hypothesis.errors.Flaky as exc:
        # check() records every fault of a request or an answer and raises
        # none, so what escapes it is schemathesis's own generation, which
        # Hypothesis found inconsistent between two examples (its negative
        # mode's mutations, rarely, in long runs): a fault of the generator.
        # The requests sent before it were checked; the rest of this
        # operation is left out, and the run says so.
        run.generator_faults.append(f"{operation.label}: {str(exc).splitlines()[0][:200]}")
    return failures


def test_fuzz_every_operation(platform: RunningPlatform, http: httpx.Client, schema: Any) -> None:
    wanted = os.environ.get("VIGIL_TEST_FUZZ_SEED")
    seeds = [int(wanted)] if wanted else [FIXED_SEED, random.SystemRandom().randrange(2**32)]
    runs: list[Run] = []
    started = time.monotonic()
    for seed in seeds:
        print(f"fuzzing with seed {seed} (replay: VIGIL_TEST_FUZZ_SEED={seed})")
        runs.append(_fuzz(schema, http, seed))
    requests = sum(r.requests for r in runs)
    server_errors = sum(r.server_errors for r in runs)
    statuses = sum((r.statuses for r in runs), Counter[int]())
    print(
        f"fuzzed {requests} requests over {len(list(_operations(schema)))} operations in "
        f"{time.monotonic() - started:.0f} s, seeds {seeds}: {server_errors} 5xx (501 aside); "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    for r in runs:
        for fault in r.generator_faults:
            print(f"VIGIL_TEST_FUZZ_SEED={r.seed}: generation stopped early (a schemathesis fault): {fault}")
    failed = [f"VIGIL_TEST_FUZZ_SEED={r.seed}: {text}" for r in runs for text in r.failures]
    assert not failed, f"{len(failed)} failing operations:\n" + "\n".join(failed)


def _strategy(operation: Any) -> Any:
    """Requests the document allows, and requests it does not (wrong types,
    missing fields, values out of range): both must get a documented answer."""
    return strategies.one_of(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    )


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") in SKIPPED or operation.label in KNOWN:
            continue
        if ONLY and ONLY not in operation.label:
            continue
        yield operation
