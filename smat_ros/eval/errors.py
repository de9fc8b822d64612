"""The evaluation toolkit's error: a dataset, result file or report input that is missing or malformed."""
from smat_ros.errors import DataFileError


class EvalError(DataFileError):
    """A dataset, result file or evaluation input is missing or malformed; the message names the file."""
