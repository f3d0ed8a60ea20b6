"""`vigil`: run the platform, migrate, print the Envoy config, and manage
credentials (FindFace tokens, local Lenz Bearer tokens)."""

from __future__ import annotations

import argparse
import asyncio
import sys

import yaml

from services.auth import keys
from services.auth.tokens import TokenStore
from services.common.server import configure_logging
from services.common.settings import Settings, load_settings
from services.db.engine import make_engine, migrate
from services.platform import envoy_config
from services.platform.supervisor import Platform


def _token_command(settings: Settings, args: argparse.Namespace) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        store = TokenStore(engine)
        if args.token_command == "create":
            try:
                info, token = store.create(args.owner)
            except ValueError as exc:
                print(f"vigil token create: {exc}", file=sys.stderr)
                return 2
            print(token)
            print(f"token {info.id} for {info.owner}: shown once, stored only as its hash", file=sys.stderr)
            return 0
        if args.token_command == "revoke":
            revoked = store.revoke(args.id)
            if revoked is None:
                print(f"vigil token revoke: no token {args.id}", file=sys.stderr)
                return 1
            print(f"token {revoked.id} ({revoked.prefix}..., {revoked.owner}) revoked")
            return 0
        for t in store.list():
            state = f"revoked {t.revoked_at.isoformat()}" if t.revoked_at else "active"
            print(f"{t.id}\t{t.prefix}...\t{t.owner}\t{t.created_at.isoformat()}\t{state}")
        return 0
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vigil", description="The Vigil video-analytics platform.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="migrate, start every gRPC service and Envoy, stop on Ctrl-C or SIGTERM")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("envoy-config", help="print the Envoy configuration")
    token = sub.add_parser("token", help="FindFace API tokens (`Authorization: Token <token>`)")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="make a token for an owner (tenant) and print it, once")
    create.add_argument("--owner", required=True, help="the tenant whose archives the token reads and writes")
    revoke = token_sub.add_parser("revoke", help="revoke a token by its id (from `vigil token list`)")
    revoke.add_argument("id", type=int)
    token_sub.add_parser("list", help="list tokens: id, prefix, owner, created, state (never the token)")
    jwt = sub.add_parser("jwt", help="print a Lenz Bearer token signed by the local key (`<data_dir>/auth/`)")
    jwt.add_argument("--subject", required=True, help="the user (`sub`, the tenant by default)")
    jwt.add_argument("--ttl", type=int, default=3600, help="seconds until it expires (default 3600)")
    args = parser.parse_args(argv)
    settings = load_settings("vigil")
    configure_logging(settings)
    if args.command == "run":
        return asyncio.run(Platform(settings).run())
    if args.command == "migrate":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrate(settings.sqlalchemy_url)
        return 0
    if args.command == "token":
        return _token_command(settings, args)
    if args.command == "jwt":
        if args.ttl <= 0:
            print("vigil jwt: --ttl must be positive", file=sys.stderr)
            return 2
        print(keys.issue_token(settings, args.subject, args.ttl))
        return 0
    yaml.safe_dump(envoy_config.render(settings), sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
