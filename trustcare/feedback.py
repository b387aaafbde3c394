"""Session feedback as plain data: one partner's view of one session, and when it calls for the
counselor's attention.

Each partner answers a few questions about each counseling session on their own phone. Only the
counselor sees the answers, both partners' side by side; the other partner never does, and the
shared screen never shows them. The alert rules that read these values live with the other rules
in `trustcare.alerts` (`feedback_alerts`), which imports this module; this one imports nothing
of the alerts, so the two never import each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from trustcare.content_schema import Measure


@dataclass(frozen=True)
class FeedbackPoint:
    """One partner's session feedback for one counseling session."""

    feedback_id: int
    partner_id: int
    session_number: int
    held_on: date
    submitted_at: datetime
    total: float | None  # None when too many items were skipped to score


@dataclass(frozen=True)
class FeedbackRules:
    """The lines a session-feedback total is held against.

    A partner's latest total under `cutoff`, a fall of at least `drop` points from their
    previous session, or the two partners' totals for one session at least `split` points apart
    calls for the counselor's attention. `out_of` is the top of the total's range, for messages
    such as "24 of 40".
    """

    cutoff: float
    drop: float
    split: float
    out_of: float = 40.0

    def __post_init__(self) -> None:
        if not (self.drop > 0 and self.split > 0):
            raise ValueError(f"drop and split must be above 0, got {self.drop} and {self.split}")
        if not 0 <= self.cutoff <= self.out_of:
            raise ValueError(f"cutoff {self.cutoff} must lie within 0 to {self.out_of}")

    @classmethod
    def of(cls, measure: Measure) -> FeedbackRules:
        """The rules a session-feedback measure's file sets (its `cutoff` and `feedback`).

        Raises ValueError for a measure that is not one: without a cut-off or feedback rules,
        or one where a lower total is better, since a "drop" would then be good news.
        """
        if measure.cutoff is None or measure.feedback is None:
            raise ValueError(
                f'measure "{measure.id}" is not session feedback: it needs a cutoff and '
                "feedback rules (drop, split)"
            )
        if not measure.higher_is_better:
            raise ValueError(f'measure "{measure.id}": session feedback must be higher-is-better')
        return cls(
            cutoff=measure.cutoff,
            drop=measure.feedback.drop,
            split=measure.feedback.split,
            out_of=measure.total.range[1],
        )
