"""smat-eval: run the tracker over a benchmark in its official result format, and analyze results into a report."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from smat_ros.cli.common import add_logging_argument, import_extra, run_cli
from smat_ros.datasets import DATASETS, load_dataset
from smat_ros.eval.analysis import score_tracker
from smat_ros.eval.errors import EvalError
from smat_ros.eval.runner import CheckpointTracker, run_sequences

log = logging.getLogger("smat-eval")


def _add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """--dataset, --root and --sequences, shared by both subcommands."""
    parser.add_argument("--dataset", required=True, metavar="NAME",
                        help=f"benchmark layout: {', '.join(DATASETS)}")
    parser.add_argument("--root", required=True, type=Path, help="dataset folder in its official layout")
    parser.add_argument("--sequences", nargs="+", metavar="SEQ", help="only these sequences (default: all)")


def build_parser() -> argparse.ArgumentParser:
    """Arguments of smat-eval and its run / analyze subcommands."""
    parser = argparse.ArgumentParser(prog="smat-eval", description="Benchmark evaluation of the SMAT tracker.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{run,analyze}")

    run = commands.add_parser("run", help="track every sequence and write results in the official format",
                              description="Track every sequence of a benchmark (finished ones are skipped) and "
                                          "write official result files and, for GOT-10k / TrackingNet, the "
                                          "submission zip.")
    _add_dataset_arguments(run)
    run.add_argument("--checkpoint", required=True, help="official .pth.tar, state_dict file or .safetensors")
    run.add_argument("--results", required=True, type=Path, help="result folder of this tracker")
    run.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    run.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    add_logging_argument(run)

    analyze = commands.add_parser("analyze", help="score result folders and write metrics, tables and plots",
                                  description="Compute AO / SR (GOT-10k protocol), success AUC, precision and "
                                              "normalized precision (OPE) and fps for each result folder; write "
                                              "metrics.json, report.md and PNG plots.")
    _add_dataset_arguments(analyze)
    analyze.add_argument("--results", required=True, nargs="+", type=Path, metavar="DIR",
                         help="one result folder per tracker")
    analyze.add_argument("--names", nargs="+", metavar="NAME", help="tracker names (default: folder names)")
    analyze.add_argument("--report", required=True, type=Path, help="folder for metrics.json, report.md, plots")
    add_logging_argument(analyze)
    return parser


def run_command(args: argparse.Namespace) -> int:
    """smat-eval run."""
    dataset = load_dataset(args.dataset, args.root)
    sequences = dataset.sequences(args.sequences)
    if not Path(args.checkpoint).is_file():
        raise EvalError(f"{args.checkpoint}: checkpoint not found")
    summary = run_sequences(sequences, dataset.family, args.results, CheckpointTracker(args.checkpoint, args.device),
                            workers=args.workers)
    log.info("%d sequences tracked, %d already finished; results in %s", len(summary.tracked),
             len(summary.skipped), args.results)
    if summary.submission is not None:
        log.info("submission zip: %s", summary.submission)
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    """smat-eval analyze."""
    names = args.names or [Path(r).resolve().name for r in args.results]
    if len(names) != len(args.results):
        raise EvalError(f"--names gives {len(names)} names for {len(args.results)} result folders")
    if len(set(names)) != len(names):
        raise EvalError(f"tracker names must differ, got {names}; pass --names")
    dataset = load_dataset(args.dataset, args.root)
    sequences = dataset.sequences(args.sequences)
    scores = [score_tracker(name, sequences, results, dataset.family)
              for name, results in zip(names, args.results, strict=True)]
    write_report = import_extra("smat_ros.eval.report", "eval").write_report  # matplotlib
    paths = write_report(scores, args.report, dataset.name)
    for tracker in scores:
        overall = tracker.overall()
        log.info("%s: %s", tracker.name, ", ".join(f"{k}={v:.3f}" if v is not None else f"{k}=-"
                                                    for k, v in overall.items()))
    log.info("report written to %s", paths["markdown"].parent)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    args = build_parser().parse_args(argv)
    command = {"run": run_command, "analyze": analyze_command}[args.command]
    return run_cli("smat-eval", command, args)


if __name__ == "__main__":
    raise SystemExit(main())
