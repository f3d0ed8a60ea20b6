"""Model control `poll` (`VIGIL_MODEL_CONTROL_MODE=poll`): a version or a
model added to or removed from the repository is loaded or unloaded without a
restart; explicit load and unload are refused. Seen through tritonclient.http."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from tests.inference_support import InferenceServer, fresh_repository, inference_server
from tests.integration.test_inference_protocol import pair_model


def eventually(check: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Wait until `check()` holds (a guard against hanging, not a timing check)."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InferenceServer, Path]]:
    tmp = tmp_path_factory.mktemp("poll")
    repo = fresh_repository(tmp)
    pair_model(repo / "pair" / "1" / "model.onnx")
    env = {"VIGIL_MODEL_CONTROL_MODE": "poll", "VIGIL_REPOSITORY_POLL_SECONDS": "0.2"}
    with inference_server(repo, tmp, load="", env=env) as running:
        yield running, repo


@pytest.fixture(scope="module")
def client(repository: tuple[InferenceServer, Path]) -> Iterator[httpclient.InferenceServerClient]:
    c = httpclient.InferenceServerClient(repository[0].http_url)
    yield c
    c.close()


def add(client: httpclient.InferenceServerClient, model: str, version: str = "") -> np.ndarray:
    inputs = []
    for name, value in (("A", 1.0), ("B", 2.0)):
        t = httpclient.InferInput(name, [1, 4], "FP32")
        t.set_data_from_numpy(np.full((1, 4), value, np.float32))
        inputs.append(t)
    return np.asarray(client.infer(model, inputs, model_version=version).as_numpy("SUM"))


def test_every_model_is_loaded_at_start(client: httpclient.InferenceServerClient) -> None:
    assert client.is_model_ready("pair", "1") is True
    assert add(client, "pair").tolist() == [[3.0] * 4]


def test_a_new_version_is_served_and_a_removed_one_unloaded(
    client: httpclient.InferenceServerClient, repository: tuple[InferenceServer, Path]
) -> None:
    repo = repository[1]
    (repo / "pair" / "2").mkdir()
    shutil.copy(repo / "pair" / "1" / "model.onnx", repo / "pair" / "2" / "model.onnx")
    eventually(lambda: client.is_model_ready("pair", "2"), "version 2 loaded")
    assert client.get_model_metadata("pair")["versions"] == ["2"]  # latest 1: version 1 made way
    assert client.is_model_ready("pair", "1") is False
    assert add(client, "pair", "2").tolist() == [[3.0] * 4]
    shutil.rmtree(repo / "pair" / "2")
    eventually(lambda: not client.is_model_ready("pair", "2"), "version 2 unloaded")
    eventually(lambda: client.is_model_ready("pair", "1"), "version 1 back")
    assert add(client, "pair").tolist() == [[3.0] * 4]


def test_a_new_model_is_loaded_and_a_removed_one_unloaded(
    client: httpclient.InferenceServerClient, repository: tuple[InferenceServer, Path]
) -> None:
    repo = repository[1]
    pair_model(repo / "pair_too" / "3" / "model.onnx")
    eventually(lambda: client.is_model_ready("pair_too"), "pair_too loaded")
    assert add(client, "pair_too", "3").tolist() == [[3.0] * 4]
    shutil.rmtree(repo / "pair_too")
    eventually(lambda: not client.is_model_ready("pair_too"), "pair_too unloaded")
    with pytest.raises(InferenceServerException) as err:
        add(client, "pair_too")
    assert err.value.status() == "404"


def test_explicit_load_and_unload_are_refused(client: httpclient.InferenceServerClient) -> None:
    for call in (client.load_model, client.unload_model):
        with pytest.raises(InferenceServerException) as err:
            call("pair")
        assert err.value.status() == "503" and "polling" in err.value.message()
    assert client.is_model_ready("pair") is True
