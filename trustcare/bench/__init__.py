"""`trustcare bench`: every page and the check-in submit, timed on synthetic practices.

See `runner.run_bench` for the function API and `command.bench` for the command line.
"""
