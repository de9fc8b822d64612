"""Names a package exports but imports only on first access (PEP 562), so that importing the package stays light."""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package`` that imports each of ``names`` (name -> its module) on first access
    and keeps it in the package; any other name is an AttributeError."""

    def __getattr__(name: str) -> Any:
        """Import ``name`` from its module and keep it in the package."""
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(names[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
