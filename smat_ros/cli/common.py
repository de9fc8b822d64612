"""Shared CLI plumbing: logging set-up and one-line errors instead of tracebacks."""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Callable

from smat_ros.config import ConfigError
from smat_ros.errors import SmatError

EXPECTED_ERRORS = (SmatError, ConfigError, ValueError, OSError)


def add_logging_argument(parser: argparse.ArgumentParser) -> None:
    """Add --log-level."""
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def run_cli(prog: str, main: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``main(args)``; expected errors become one line on stderr and exit status 1."""
    logging.basicConfig(level=getattr(args, "log_level", "INFO"), format="%(levelname)s %(name)s: %(message)s")
    try:
        return main(args)
    except EXPECTED_ERRORS as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
