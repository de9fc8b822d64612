"""Where a path named in a training config points: the one rule for dataset roots, split files and weights."""
from __future__ import annotations

from pathlib import Path


def resolve_path(data_root: str | Path, path: str | Path) -> Path:
    """``path`` as given when absolute; else under ``data_root`` when it exists there, else relative to the working
    directory when it exists there, else under ``data_root`` (so that a missing file is reported there)."""
    candidate = Path(path).expanduser()
    if candidate.is_absolute():
        return candidate
    under_root = Path(data_root) / candidate
    if not under_root.exists() and candidate.exists():
        return candidate
    return under_root
