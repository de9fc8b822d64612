"""Exceptions of the SMAT library: each names the problem in its message."""


class SmatError(Exception):
    """Base class of the library's errors."""


class CheckpointError(SmatError):
    """A checkpoint is missing, unreadable, corrupt or does not fit the network."""


class DataFileError(SmatError, ValueError):
    """An annotation, list or result file is missing or malformed; the message names the file (and line)."""


class InputError(SmatError, ValueError):
    """A frame or box given to the tracker is invalid."""


class NotInitializedError(SmatError, RuntimeError):
    """``track`` was called before ``initialize``."""
