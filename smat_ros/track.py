"""``python -m smat_ros.track``: the smat-track command (see :mod:`smat_ros.cli.track`)."""
from smat_ros.cli.track import main

if __name__ == "__main__":
    raise SystemExit(main())
