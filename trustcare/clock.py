"""The one clock: aware UTC now, for the models' defaults, the services and the front ends.

A pure module, so a front end reads the time without importing the persistence layer.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
