"""Shared CLI plumbing: logging set-up and one-line errors instead of tracebacks."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from types import ModuleType

from smat_ros.errors import MissingDependencyError, SmatError

# The library's own errors and the file system's (unreadable input, unwritable output) become one-line messages;
# anything else is a bug and keeps its traceback.
EXPECTED_ERRORS = (SmatError, OSError)


def add_logging_argument(parser: argparse.ArgumentParser) -> None:
    """Add --log-level."""
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def import_extra(module: str, extra: str) -> ModuleType:
    """Import ``module``; MissingDependencyError naming the pip extra when a third-party dependency is missing."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "smat_ros":
            raise
        missing = f"{module} needs the '{exc.name}' package"
        raise MissingDependencyError(f"{missing}: pip install 'smat_ros[{extra}]'") from None


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
