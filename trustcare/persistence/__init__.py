"""The persistence layer: the unit of work and the scoped repositories that hold its session."""
