"""Whole trust-pulse check-ins that tests submit: every item answered, fictional."""

CALM = {
    "honest-talk": 3,
    "hiding-things": 1,
    "kept-word": 3,
    "there-for-me": 3,
    "safe-to-share": 3,
    "held-back": 1,
    "checking-up": 1,
    "feel-secure": 3,
    "overall-trust": 7,
    "practice-done": 2,
    "felt-unsafe": 0,
}

# The same answers with a "yes" to the safety question.
SAFETY_YES = {**CALM, "felt-unsafe": 1}

# Whole session feedback (0-10 each, 31 of 40): above the cut-off of 30.
SESSION_FEEDBACK = {"heard": 8, "mattered": 8, "approach": 7, "overall": 8}
