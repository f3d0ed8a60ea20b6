"""`vigil`: run the platform, migrate, or print the Envoy config."""

from __future__ import annotations

import argparse
import asyncio
import sys

import yaml

from services.common.server import configure_logging
from services.common.settings import load_settings
from services.db.engine import migrate
from services.platform import envoy_config
from services.platform.supervisor import Platform


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vigil", description="The Vigil video-analytics platform.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="migrate, start every gRPC service and Envoy, stop on Ctrl-C or SIGTERM")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("envoy-config", help="print the Envoy configuration")
    args = parser.parse_args(argv)
    settings = load_settings("vigil")
    configure_logging(settings)
    if args.command == "run":
        return asyncio.run(Platform(settings).run())
    if args.command == "migrate":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrate(settings.sqlalchemy_url)
        return 0
    yaml.safe_dump(envoy_config.render(settings), sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
