"""The model repository on disk, in Triton's layout.

```
<repository>/<model>/config.pbtxt
<repository>/<model>/<version>/model.onnx
```

A model is a folder with a `config.pbtxt` or at least one numbered version
folder; versions are the numbered folders that hold the model file.
"""

from __future__ import annotations

from pathlib import Path

from services.common.errors import NotFound


class ModelRepository:
    """Reads one model repository folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def name(self) -> str:
        return self.root.name

    def names(self) -> list[str]:
        """Every model folder, sorted."""
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            if (folder / "config.pbtxt").exists() or any(p.is_dir() and p.name.isdigit() for p in folder.iterdir()):
                found.append(folder.name)
        return found

    def folder(self, name: str) -> Path:
        """The model's folder; NOT_FOUND when the repository has no such model."""
        if name not in self.names():
            raise NotFound(f"failed to load '{name}', no version is available: no model '{name}' in the repository")
        return self.root / name

    def fingerprint(self, name: str) -> tuple[object, ...]:
        """What changes when a model's configuration, a version folder or a
        file in one does (names, sizes, modification times); poll mode reloads
        a model when it does."""
        folder = self.root / name

        def stamp(path: Path) -> tuple[str, int, int]:
            try:
                info = path.stat()
            except OSError:  # removed meanwhile, or a dangling link
                return (path.name, -1, -1)
            return (path.name, info.st_size, info.st_mtime_ns)

        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return ()
        found: list[object] = []
        for entry in entries:
            if entry.name == "config.pbtxt":
                found.append(stamp(entry))
            elif entry.is_dir() and entry.name.isdigit():
                try:
                    found.append((entry.name, tuple(stamp(p) for p in sorted(entry.iterdir()))))
                except OSError:
                    found.append((entry.name, ()))
        return tuple(found)

    def versions(self, name: str, filename: str) -> dict[int, Path]:
        """Version number -> model file, for each numbered folder that has it."""
        folder = self.folder(name)
        return {
            int(p.name): p / filename
            for p in folder.iterdir()
            if p.is_dir() and p.name.isdigit() and (p / filename).exists()
        }
