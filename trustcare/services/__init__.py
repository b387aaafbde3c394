"""Use cases. Each takes a unit of work opened for the acting identity and returns plain values."""
