"""Regenerate gen/, the Envoy descriptor set and the developer manual.

`python scripts/generate.py` writes the Python modules that grpcio-tools makes
of every file under proto/ into gen/, the descriptor set that Envoy's
gRPC-JSON transcoder reads into envoy/descriptor.pb, and the developer manual
that `GET /docs/dev` serves (services/system/manual/index.html: the README and
every contract's services, methods, routes, messages and fields, with their
comments). `--check` regenerates into a temporary folder and fails when
anything differs from what is committed.
"""

from __future__ import annotations

import argparse
import filecmp
import html
import re
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import grpc_tools
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
THIRD_PARTY = ROOT / "third_party"
GEN = ROOT / "gen"
DESCRIPTOR = ROOT / "envoy" / "descriptor.pb"
README = ROOT / "README.md"
MANUAL = ROOT / "services" / "system" / "manual" / "index.html"


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


# -- the developer manual -------------------------------------------------------

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#222}
nav{width:18rem;flex:none;height:100vh;overflow:auto;position:sticky;top:0;padding:1rem;background:#f4f4f4;
font-size:13px}
nav ul{padding-left:1rem;margin:.2rem 0}main{padding:1rem 2rem;max-width:60rem;min-width:0}
code,pre{font:13px ui-monospace,monospace;background:#f0f0f0}pre{padding:.6rem;overflow:auto}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top;
text-align:left}td p{margin:0}.route{font-family:ui-monospace,monospace;white-space:nowrap}
"""
_SCALAR_NAMES = {
    value: name.removeprefix("TYPE_").lower()
    for name, value in descriptor_pb2.FieldDescriptorProto.Type.items()
    if name not in ("TYPE_MESSAGE", "TYPE_ENUM", "TYPE_GROUP")
}
# FileDescriptorProto field numbers, for the paths of source_code_info.
_MESSAGE, _ENUM, _SERVICE, _FIELD, _NESTED, _NESTED_ENUM, _METHOD, _VALUE = 4, 5, 6, 2, 3, 4, 2, 2


def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


class _Manual:
    """Renders one HTML page from the README and a FileDescriptorSet."""

    def __init__(self) -> None:
        self.md = _markdown()
        self.toc: list[tuple[int, str, str]] = []  # (level, anchor, title)
        self.out: list[str] = []

    def doc(self, text: str) -> str:
        """A proto comment as HTML (comments are written in Markdown; buf's
        lint directives are left out)."""
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("buf:lint:"))
        return self.md.render(textwrap.dedent(text).strip()) if text.strip() else ""

    def heading(self, level: int, anchor: str, title: str, toc: bool = True) -> None:
        if toc:
            self.toc.append((level, anchor, title))
        self.out.append(f'<h{level} id="{html.escape(anchor)}">{html.escape(title)}</h{level}>')

    def readme(self, text: str) -> None:
        tokens = self.md.parse(text)
        seen: set[str] = set()
        for i, token in enumerate(tokens):
            if token.type == "heading_open":
                title = tokens[i + 1].content
                anchor = _slug(title)
                while anchor in seen:
                    anchor += "-"
                seen.add(anchor)
                token.attrSet("id", anchor)
                level = int(token.tag[1])
                if level <= 3:
                    self.toc.append((level, anchor, title))
        self.out.append(self.md.renderer.render(tokens, self.md.options, {}))

    def type_name(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.type_name:
            name = field.type_name.lstrip(".")
            return f'<a href="#{html.escape(name)}">{html.escape(name)}</a>'
        return _SCALAR_NAMES[field.type]

    def contracts(self, files: list[descriptor_pb2.FileDescriptorProto]) -> None:
        self.heading(1, "contracts", "Contracts")
        self.out.append(
            "<p>Every gRPC service, method, REST route, message and field of <code>proto/</code>, "
            "with the comments written in the contracts.</p>"
        )
        for proto in files:
            comments = {tuple(loc.path): loc.leading_comments for loc in proto.source_code_info.location}
            self.heading(2, proto.name, f"{proto.name} ({proto.package})")
            for s, service in enumerate(proto.service):
                full = f"{proto.package}.{service.name}"
                self.heading(3, full, f"service {service.name}")
                self.out.append(self.doc(comments.get((_SERVICE, s), "")))
                self.out.append("<table><tr><th>method</th><th>REST</th><th>request → response</th><th></th></tr>")
                for m, method in enumerate(service.method):
                    rule = method.options.Extensions[annotations_pb2.http]
                    routes = "<br>".join(f"{verb} {html.escape(path)}" for verb, path in _routes(rule))
                    stream_in = "stream " if method.client_streaming else ""
                    stream_out = "stream " if method.server_streaming else ""
                    request = f'<a href="#{method.input_type.lstrip(".")}">{method.input_type.lstrip(".")}</a>'
                    response = f'<a href="#{method.output_type.lstrip(".")}">{method.output_type.lstrip(".")}</a>'
                    self.out.append(
                        f'<tr><td id="{full}.{method.name}"><code>{method.name}</code></td>'
                        f'<td class="route">{routes}</td><td>{stream_in}{request} → {stream_out}{response}</td>'
                        f"<td>{self.doc(comments.get((_SERVICE, s, _METHOD, m), ''))}</td></tr>"
                    )
                self.out.append("</table>")
            for i, message in enumerate(proto.message_type):
                self.message(proto.package, message, (_MESSAGE, i), comments)
            for i, enum in enumerate(proto.enum_type):
                self.enum(proto.package, enum, (_ENUM, i), comments)

    def message(
        self, prefix: str, message: descriptor_pb2.DescriptorProto, path: tuple[int, ...], comments: dict[Any, str]
    ) -> None:
        if message.options.map_entry:
            return
        full = f"{prefix}.{message.name}"
        self.heading(4, full, f"message {full}", toc=False)
        self.out.append(self.doc(comments.get(path, "")))
        if message.field:
            self.out.append("<table><tr><th>field</th><th>type</th><th>#</th><th></th></tr>")
            for f, field in enumerate(message.field):
                label = "repeated " if field.label == field.LABEL_REPEATED else ""
                label = "optional " if field.proto3_optional else label
                json_name = (
                    f" (JSON <code>{html.escape(field.json_name)}</code>)"
                    if field.json_name != _camel(field.name)
                    else ""
                )
                self.out.append(
                    f"<tr><td><code>{html.escape(field.name)}</code>{json_name}</td>"
                    f"<td>{label}{self.type_name(field)}</td><td>{field.number}</td>"
                    f"<td>{self.doc(comments.get((*path, _FIELD, f), ''))}</td></tr>"
                )
            self.out.append("</table>")
        for n, nested in enumerate(message.nested_type):
            self.message(full, nested, (*path, _NESTED, n), comments)
        for n, enum in enumerate(message.enum_type):
            self.enum(full, enum, (*path, _NESTED_ENUM, n), comments)

    def enum(
        self, prefix: str, enum: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...], comments: dict[Any, str]
    ) -> None:
        full = f"{prefix}.{enum.name}"
        self.heading(4, full, f"enum {full}", toc=False)
        self.out.append(self.doc(comments.get(path, "")))
        self.out.append("<table><tr><th>value</th><th>#</th><th></th></tr>")
        for v, value in enumerate(enum.value):
            self.out.append(
                f"<tr><td><code>{html.escape(value.name)}</code></td><td>{value.number}</td>"
                f"<td>{self.doc(comments.get((*path, _VALUE, v), ''))}</td></tr>"
            )
        self.out.append("</table>")

    def page(self) -> str:
        nav = ["<nav><strong>Vigil developer manual</strong><ul>"]
        for level, anchor, title in self.toc:
            indent = "&nbsp;" * 3 * (level - 1)
            nav.append(
                f'<li style="list-style:none">{indent}<a href="#{html.escape(anchor)}">{html.escape(title)}</a></li>'
            )
        nav.append("</ul></nav>")
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            "<title>Vigil developer manual</title>"
            f"<style>{_STYLE}</style></head><body>\n"
            + "\n".join(nav)
            + "\n<main>\n"
            + "\n".join(part for part in self.out if part)
            + "\n</main></body></html>\n"
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _routes(rule: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pattern = rule.WhichOneof("pattern")
    if pattern in ("get", "put", "post", "delete", "patch"):
        out.append((pattern.upper(), getattr(rule, pattern)))
    elif pattern == "custom":
        out.append((rule.custom.kind.upper(), rule.custom.path))
    for extra in rule.additional_bindings:
        out += _routes(extra)
    return out


def write_manual(descriptor: Path, readme: Path, out: Path) -> None:
    """The developer manual, from the README and the descriptor set (with
    source info) of every contract under proto/."""
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor.read_bytes()).file
    ours = set(proto_files())
    manual = _Manual()
    manual.readme(readme.read_text(encoding="utf-8"))
    manual.contracts([f for f in files if f.name in ours])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(manual.page(), encoding="utf-8")


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
        write_manual(DESCRIPTOR, README, MANUAL)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "gen", Path(tmp) / "descriptor.pb")
        write_manual(Path(tmp) / "descriptor.pb", README, Path(tmp) / "index.html")
        changed = diff(GEN, Path(tmp) / "gen")
        if not filecmp.cmp(DESCRIPTOR, Path(tmp) / "descriptor.pb", shallow=False):
            changed.append("envoy/descriptor.pb")
        if not MANUAL.exists() or not filecmp.cmp(MANUAL, Path(tmp) / "index.html", shallow=False):
            changed.append(str(MANUAL.relative_to(ROOT)))
    if changed:
        print("generated code is stale; run `make generate`:", *changed, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
