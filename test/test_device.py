"""Device selection: auto, cpu, cuda, cuda:N, with DeviceError (a SmatError and ValueError) for the rest."""
from __future__ import annotations

import pytest
import torch

from smat_ros.device import resolve_device
from smat_ros.errors import DeviceError, SmatError


def test_known_devices() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("name, message", [("tpu", "unknown device 'tpu'"), ("meta", "unsupported device 'meta'")])
def test_other_devices_are_refused(name: str, message: str) -> None:
    with pytest.raises(DeviceError, match=message) as caught:
        resolve_device(name)
    assert isinstance(caught.value, SmatError) and isinstance(caught.value, ValueError)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a machine without CUDA")
def test_cuda_without_cuda_is_refused() -> None:
    with pytest.raises(DeviceError, match="CUDA is not available"):
        resolve_device("cuda:0")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_index_past_the_last_device_is_refused() -> None:
    with pytest.raises(DeviceError, match="CUDA device\\(s\\) exist"):
        resolve_device(f"cuda:{torch.cuda.device_count()}")
