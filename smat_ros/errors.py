"""Exceptions of the SMAT library: each names the problem in its message.

Every error the library raises on purpose is a :class:`SmatError`; callers (the CLIs, the node) catch that family
and let anything else surface as the bug it is. Subclasses that describe a bad value are also ``ValueError`` so
that code written against plain ``ValueError`` keeps working.
"""


class SmatError(Exception):
    """Base class of the library's errors."""


class ConfigError(SmatError, ValueError):
    """A configuration value or key is invalid."""


class DeviceError(SmatError, ValueError):
    """A device was requested that does not exist or is not supported (``auto``, ``cpu``, ``cuda``, ``cuda:N``)."""


class CheckpointError(SmatError):
    """A checkpoint is missing, unreadable, corrupt or does not fit the network."""


class DataFileError(SmatError, ValueError):
    """An annotation, list or result file is missing or malformed; the message names the file (and line)."""


class DatasetError(DataFileError):
    """A dataset is missing, empty or malformed (the message names the folder or file)."""


class InputError(SmatError, ValueError):
    """A frame or box given to the tracker is invalid."""


class NotInitializedError(SmatError, RuntimeError):
    """``track`` was called before ``initialize``."""


class NetworkOutputError(SmatError, RuntimeError):
    """The network produced an unusable result (e.g. a non-finite box, from corrupt weights)."""


class TrainingError(SmatError):
    """Training cannot start or continue (bad output folder, nothing to resume, diverged, ...)."""


class DivergedError(TrainingError, FloatingPointError):
    """Training produced non-finite values (NaN boxes or losses)."""


class StartupError(SmatError):
    """A program (a node, a tool) cannot start: a bad parameter, an unusable input or checkpoint; the message says
    which."""


class ExportError(SmatError):
    """An exported graph is invalid, or exported graphs cannot be written or found."""


class MissingDependencyError(SmatError, ImportError):
    """An optional dependency is not installed; the message names the pip extra that provides it."""
