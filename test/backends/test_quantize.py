"""Which CPUs get 7-bit int8 weights: those whose int8 products saturate (x86 without VNNI or AMX)."""
from __future__ import annotations

import pytest

from smat_ros.backends import quantize
from smat_ros.backends.quantize import cpu_has_int8_dot, lists_int8_dot

SKYLAKE = "processor\t: 0\nflags\t\t: fpu sse4_2 avx2 avx512f avx512dq avx512bw avx512vl\n"
CASCADE_LAKE = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512bw avx512_vnni\n"
SAPPHIRE_RAPIDS = "flags\t\t: avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n"
ALDER_LAKE = "flags\t\t: avx2 avx_vnni\n"


def test_int8_dot_products_are_read_from_the_cpu_flags() -> None:
    assert not lists_int8_dot(SKYLAKE)
    assert lists_int8_dot(CASCADE_LAKE) and lists_int8_dot(SAPPHIRE_RAPIDS) and lists_int8_dot(ALDER_LAKE)
    assert not lists_int8_dot("") and not lists_int8_dot("flags\n")


def test_other_architectures_are_not_reduced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quantize.platform, "machine", lambda: "aarch64")
    assert cpu_has_int8_dot()
    monkeypatch.setattr(quantize.platform, "machine", lambda: "x86_64")
    assert cpu_has_int8_dot() == lists_int8_dot(open("/proc/cpuinfo").read())
