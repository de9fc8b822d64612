"""Eval tests: make the shared builders in eval_layouts.py importable (pytest runs with --import-mode=importlib)."""
import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
