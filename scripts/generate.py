"""Regenerate gen/ and the Envoy descriptor set from proto/.

`python scripts/generate.py` writes the Python modules that grpcio-tools makes
of every file under proto/ into gen/, and the descriptor set that Envoy's
gRPC-JSON transcoder reads into envoy/descriptor.pb. `--check` regenerates into
a temporary folder and fails when anything differs from what is committed.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
THIRD_PARTY = ROOT / "third_party"
GEN = ROOT / "gen"
DESCRIPTOR = ROOT / "envoy" / "descriptor.pb"


def proto_files() -> list[str]:
    """Every contract file, relative to proto/, in a stable order."""
    return sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))


def generate(out: Path, descriptor: Path) -> None:
    """Run protoc once for the Python code and once for the descriptor set."""
    wkt = Path(grpc_tools.__file__).parent / "_proto"
    includes = [f"-I{PROTO}", f"-I{THIRD_PARTY}", f"-I{wkt}"]
    files = proto_files()
    out.mkdir(parents=True, exist_ok=True)
    args = ["protoc", *includes, f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}", *files]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed generating Python code")
    descriptor.parent.mkdir(parents=True, exist_ok=True)
    args = [
        "protoc",
        *includes,
        "--include_imports",
        "--include_source_info",
        f"--descriptor_set_out={descriptor}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed writing the descriptor set")
    # Every generated folder is a regular package so mypy and setuptools see it.
    for folder in (p for p in out.rglob("*") if p.is_dir()):
        if folder.name != "__pycache__":
            (folder / "__init__.py").touch()


def diff(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two generated trees."""
    out: list[str] = []
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    stack = [(cmp, Path())]
    while stack:
        c, rel = stack.pop()
        out += [str(rel / n) for n in c.left_only + c.right_only + c.diff_files]
        out += [str(rel / n) for n in filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)[1]]
        stack += [(sub, rel / name) for name, sub in c.subdirs.items()]
    return sorted(set(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when gen/ is not current")
    args = parser.parse_args()
    if not args.check:
        shutil.rmtree(GEN, ignore_errors=True)
        generate(GEN, DESCRIPTOR)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "gen", Path(tmp) / "descriptor.pb")
        changed = diff(GEN, Path(tmp) / "gen")
        if not filecmp.cmp(DESCRIPTOR, Path(tmp) / "descriptor.pb", shallow=False):
            changed.append("envoy/descriptor.pb")
    if changed:
        print("generated code is stale; run `make generate`:", *changed, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
