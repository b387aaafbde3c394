"""The bench: every page and the check-in submit, timed on synthetic practices.

A development tool beside the `trustcare` package, not part of what a practice installs (a
wheel holds `trustcare*` only). Run it from a source checkout: `python -m bench --quick`, or
`trustcare bench --quick`, which hands its arguments here. See `runner.run_bench` for the
function API and `command.bench` for the command line.
"""

# Warm runs per page: on a shared machine a median of fewer swings by more than the targets.
DEFAULT_RUNS = 31
# --quick is for a quick look (40 and 400 couples on SQLite) and stays under 3 minutes.
QUICK_RUNS = 21
