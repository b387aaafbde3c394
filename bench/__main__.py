"""`python -m bench`: the bench's command line, run from a source checkout."""

from bench.command import bench

bench(prog_name="python -m bench")
