"""The PEP 562 lazy exports of the package __init__ files (smat_ros.lazy_imports)."""
from __future__ import annotations

import math
import sys
import types

import pytest

from smat_ros.lazy_imports import lazy_getattr


@pytest.fixture()
def package(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A registered module exporting ``sqrt`` (from math) lazily."""
    module = types.ModuleType("lazy_package")
    module.__getattr__ = lazy_getattr("lazy_package", {"sqrt": "math"})
    monkeypatch.setitem(sys.modules, "lazy_package", module)
    return module


def test_a_lazy_name_is_imported_on_first_access_and_kept_in_the_package(package: types.ModuleType) -> None:
    assert "sqrt" not in vars(package)
    assert package.sqrt is math.sqrt
    assert vars(package)["sqrt"] is math.sqrt  # later accesses do not go through __getattr__


def test_any_other_name_is_an_attribute_error_naming_the_package(package: types.ModuleType) -> None:
    with pytest.raises(AttributeError, match="module 'lazy_package' has no attribute 'cbrt'"):
        package.cbrt  # noqa: B018
    assert not hasattr(package, "cbrt")


def test_the_packages_export_their_lazy_names() -> None:
    import smat_ros.backends
    import smat_ros.eval

    assert smat_ros.TrackResult.__module__ == "smat_ros.tracker"
    assert smat_ros.backends.Backend.__module__ == "smat_ros.backends.base"
    assert smat_ros.eval.EvalError.__module__ == "smat_ros.eval.errors"
    assert "Tracker" in dir(smat_ros)
