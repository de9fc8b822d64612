"""Command-line tools: argument parsing over the library."""
