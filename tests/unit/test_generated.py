"""gen/ and envoy/descriptor.pb are what `make generate` makes of proto/, and
the contracts are clean under `buf lint` and `buf format`."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_generated_code_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/generate.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


BUF = shutil.which("buf") or str(ROOT / ".tools" / "node_modules" / ".bin" / "buf")


@pytest.mark.parametrize("args", [["lint"], ["format", "-d", "--exit-code"]], ids=["lint", "format"])
def test_buf(args: list[str]) -> None:
    if not shutil.which(BUF):
        pytest.fail("buf is not installed: scripts/bootstrap.sh test installs @bufbuild/buf")
    result = subprocess.run([BUF, *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
