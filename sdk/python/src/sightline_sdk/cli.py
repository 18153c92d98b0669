"""`sightline-sdk replay SPOOL_DIR`: sends a spool to the server once it can be reached."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sightline_sdk.client import MAX_BATCH, Client


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sightline-sdk", description="Sightline Python SDK tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    replay = commands.add_parser("replay", help="Send the sealed files of a spool directory, then remove them.")
    replay.add_argument("spool_dir", help="The directory a client spooled into.")
    replay.add_argument("--server", default=os.environ.get("SIGHTLINE_URL"), help="Server URL (SIGHTLINE_URL).")
    # The key may come from the environment so it does not show in the process list.
    replay.add_argument("--key", default=os.environ.get("SIGHTLINE_KEY"), help="Site secret key (SIGHTLINE_KEY).")
    replay.add_argument("--batch-size", type=int, default=500, help=f"Events per request (at most {MAX_BATCH}).")
    replay.add_argument("--max-retries", type=int, default=5, help="Retries per batch before giving up.")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.server or not args.key:
        print("sightline-sdk: --server and --key (or SIGHTLINE_URL and SIGHTLINE_KEY) are required", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    client = Client(args.server, args.key, batch_size=args.batch_size, max_retries=args.max_retries)
    try:
        result = client.replay_spool(args.spool_dir)
    finally:
        client.close()
    print(
        f"files sent: {result.files_sent}, files left: {result.files_left}, events sent: {result.events_sent}, "
        f"rejected: {result.events_rejected}, unreadable lines: {result.unreadable_lines}"
    )
    return 1 if result.files_left else 0


if __name__ == "__main__":
    sys.exit(main())
