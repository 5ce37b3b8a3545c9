"""Properties of the measure-8 procedure and the audit chain over generated histories.

* Walks through the procedure table: every move is one DOMAIN.md F allows (the hand-written map
  of tests/test_procedure.py), to the roles it allows, and a completed case stays completed.
* Random sequences of steps recorded through the step service on one case each (SQLite): a refused
  step changes nothing; an accepted one moves the case as the map says, only when its guard holds,
  and starts, stops and dates its clocks by the DOMAIN B rules (calendar days, or working days
  that skip weekends and the configured public holidays), recomputed here independently.
* Random tampering with either audit chain (change any field of any entry, delete, delete and
  relink, reorder and relink, insert, rewrite or delete the head) is always found by verify().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from complaints import audit, cases, crypto, keys, procedure, settings
from complaints.dates import today
from complaints.db import new_session
from complaints.models import (
    AuditEvent,
    AuditHead,
    Case,
    CaseClock,
    ProcedureEvent,
    ProtectionCheck,
    ReporterAuditEvent,
    StaffSession,
    StaffUser,
)
from complaints.procedure import CODE_CHOICES, Action, Field, Status, TransitionNotAllowed
from complaints.staff.refusals import CaseActionRefused
from complaints.staff.steps import Rules, StepInput, record_step
from complaints.workspace.sessions import StaffContext
from tests.fuzz import fuzz_settings
from tests.test_procedure import _expected

S, A = Status, Action
# Written out from DOMAIN.md, not read from the code under test.
FINAL = {S.CONCLUDED, S.NOT_ACCEPTED}  # nothing leads out of these
COMPLETED = {S.CONCLUDED, S.NOT_ACCEPTED, S.REFERRED}  # D6: counted as completed
LEAD_ONLY = {A.DECIDE_PENALTY, A.DECIDE_APPEAL}  # the mayor's orders, entered by a lead
SURVIVING_COMPLETION = {"copy_to_nacc", "retaliation_referral"}
# A stage's time limit runs only while the case is in that stage (DOMAIN B3, B7, B8, B10, B11).
STAGE_CLOCKS = {
    "awaiting_information": S.AWAITING_INFORMATION,
    "fact_finding": S.FACT_FINDING,
    "disciplinary_investigation": S.DISCIPLINARY_INVESTIGATION,
    "penalty_after_finding": S.PENALTY_CONSIDERATION,
    "appeal_window": S.PENALTY_ORDERED,
}
LIGHTEST_FIRST = [
    "waived_warning",
    "waived_bond",
    "waived",
    "probation",
    "salary_deduction",
    "salary_reduction",
    "discharge",
    "dismissal",
]
ROLE_SETS = [
    frozenset({"officer"}),
    frozenset({"lead"}),
    frozenset({"officer", "lead"}),
    frozenset({"custodian"}),
    frozenset({"admin"}),
]


@fuzz_settings(400)
@given(actions=st.lists(st.sampled_from(list(Action)), max_size=40), roles=st.sampled_from(ROLE_SETS))
def test_random_walks_through_the_table_take_only_the_procedures_moves(
    actions: list[Action], roles: frozenset[str]
) -> None:
    status = S.RECEIVED
    for action in actions:
        expected = _expected(action, status)
        offered = action in procedure.allowed_actions(status.value, roles)
        if expected is None:
            with pytest.raises(TransitionNotAllowed):
                procedure.next_status(status.value, action)
            assert not offered
            continue
        may = bool(roles & {"lead"}) or (bool(roles & {"officer"}) and action not in LEAD_ONLY)
        assert offered is may, (action, status, roles)
        after = procedure.next_status(status.value, action)
        assert after is expected
        if status in FINAL:
            assert after is status, (action, status)
        assert (after in procedure.COMPLETED_STATUSES) is (after in COMPLETED)
        status = after


# --- steps recorded on a real case ----------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Everything a step may change, read inside the step's transaction."""

    status: str
    closed_on: date | None
    results: tuple[Any, ...]
    clocks: tuple[tuple[Any, ...], ...]
    events: int
    audit_entries: int
    next_deadline: tuple[date | None, str | None]


def snapshot(db: Session, case: Case) -> Snapshot:
    db.flush()
    rows = db.scalars(select(CaseClock).where(CaseClock.case_id == case.id).order_by(CaseClock.id))
    return Snapshot(
        status=case.status,
        closed_on=case.closed_on,
        results=(
            case.referred_to,
            case.referral_result,
            case.criminal_referral,
            case.criminal_outcome,
            case.penalty,
            case.nacc_finding,
            case.outcome,
            case.finding,
        ),
        clocks=tuple((r.id, r.clock, r.started_on, r.due_on, r.ended_on, r.state) for r in rows),
        events=int(db.scalar(select(func.count()).where(ProcedureEvent.case_id == case.id)) or 0),
        audit_entries=int(db.scalar(select(func.count()).select_from(AuditEvent)) or 0),
        next_deadline=(case.next_deadline_on, case.next_deadline_kind),
    )


class Deadlines:
    """DOMAIN B's time limits, recomputed from the config: calendar days, and working days (the
    reply window, B3) that skip Saturdays, Sundays and the configured public holidays."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.days = {name: int(days) for name, days in config["DEADLINE_DAYS"].items()}
        self.recurring = set(config["PUBLIC_HOLIDAYS_RECURRING"])
        self.listed = set(config["PUBLIC_HOLIDAYS"])

    def _working(self, day: date) -> bool:
        return (
            day.isoweekday() not in (6, 7)
            and f"{day.month:02d}-{day.day:02d}" not in self.recurring
            and day.isoformat() not in self.listed
        )

    def due(self, clock: str, start: date) -> date:
        if clock != "awaiting_information":
            return start + timedelta(days=self.days[clock])
        day, counted = start, 0
        while counted < self.days[clock]:
            day += timedelta(days=1)
            counted += self._working(day)
        return day


def _codes_for(draw: Callable[..., Any], action: Action, config: dict[str, Any]) -> dict[str, str]:
    codes: dict[str, str] = {}
    fields = procedure.step_of(action).fields
    for name in fields:
        if name is Field.CHECKLIST:
            for question in procedure.CHECKLIST_QUESTIONS:
                codes[question] = draw(st.sampled_from(["yes", "no"] * 4 + ["maybe"]))
        elif name in CODE_CHOICES:
            codes[name.value] = draw(st.sampled_from([*CODE_CHOICES[name] * 4, "", "bogus"]))
    if Field.SEVERITY_FOUND in fields and draw(st.integers(0, 3)):  # mostly a penalty that fits
        allowed = config["PENALTIES_BY_SEVERITY"].get(codes[Field.SEVERITY_FOUND.value], ["probation"])
        codes[Field.PENALTY.value] = draw(st.sampled_from(list(allowed)))
    return codes


# Days from a step to a date it names: mostly the same day or just after, sometimes before or far.
NEAR = st.sampled_from([0, 0, 0, 1, 2, 7]) | st.integers(-3, 90)


def _step_input(
    data: st.DataObject, action: Action, event_on: date, running_due: date | None, config: dict[str, Any]
) -> StepInput:
    fields = procedure.step_of(action).fields
    texts = {
        name.value: data.draw(st.sampled_from(["ข้อความ"] * 6 + ["", "  "]))
        for name in fields
        if name in procedure.TEXT_FIELDS
    }
    dates: dict[str, date | None] = {}
    if Field.NOTIFIED_ON in fields:
        dates["notified_on"] = data.draw(st.none() | NEAR.map(lambda k: event_on + timedelta(k)))
    if Field.FIRST_MEETING_ON in fields:
        dates["first_meeting_on"] = data.draw(st.none() | NEAR.map(lambda k: event_on + timedelta(k)))
    if Field.NEW_DUE_ON in fields:
        base = running_due or event_on
        dates["new_due_on"] = data.draw(st.none() | NEAR.map(lambda k: base + timedelta(k)))
    message = ""
    if action is A.REQUEST_INFORMATION:
        message = data.draw(st.sampled_from(["ขอเอกสารเพิ่ม", "ขอเอกสารเพิ่ม", "", " "]))
    return StepInput(
        action=action,
        event_on=event_on,
        order_number=data.draw(st.sampled_from(["", "", "นต 1/2569"])),
        message=message,
        codes=_codes_for(data.draw, action, config),
        texts=texts,
        dates=dates,
    )


def _new_case(app: Flask, db: Session, submitted_on: date, cleared: bool) -> Case:
    """A report filed ``submitted_on`` (its first clocks start then), and optionally the custodian's
    answer "not a protected reporter" that disciplinary steps wait for."""
    prepared = cases.prepare_case(
        cases.ReportContent(description="ฟัซซ์"),
        None,
        [],
        keys.recipient_keys(db),
        settings.lookup_secret(),
        today(),
    )
    case = cases.store_case(
        db,
        prepared,
        "budget",
        "finance",
        "letter",
        submitted_on,
        settings.deadline_days(),
        acknowledged_on=submitted_on,
    )
    db.flush()
    if cleared:
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        db.add(
            ProtectionCheck(
                uid=crypto.random_token(12),
                case_id=case.id,
                requested_by_id=lead.id,
                requested_on=submitted_on,
                subject_ciphertext=b"x",
                answer="not_protected",
                answered_by_id=lead.id,
                answered_on=submitted_on,
                records_seen=0,
            )
        )
    db.commit()
    return case


def _running(snap: Snapshot, clock: str) -> tuple[Any, ...] | None:
    found = [row for row in snap.clocks if row[1] == clock and row[5] == "running"]
    assert len(found) <= 1, f"two running {clock} clocks"
    return found[0] if found else None


def _check_guards(before: Snapshot, step: StepInput, cleared: bool, rules: Rules, submitted_on: date) -> None:
    """What must have held for the step to be accepted (DOMAIN B and F)."""
    action, code = step.action, step.code
    assert submitted_on <= step.event_on <= rules.today
    row = procedure.step_of(action)
    for name in row.fields:
        if name in CODE_CHOICES and name not in procedure.OPTIONAL_FIELDS:
            assert code(name) in CODE_CHOICES[name], (action, name)
        if name in procedure.TEXT_FIELDS and name not in procedure.OPTIONAL_FIELDS:
            assert step.texts[name.value].strip(), (action, name)
    referred_to, referral_result, criminal, criminal_outcome, penalty, _nacc, _outcome, _finding = (
        before.results
    )
    if action in (A.START_DISCIPLINARY, A.DECIDE_PENALTY):
        assert cleared, "a disciplinary step without the protection check (B14)"
    if action is A.REQUEST_INFORMATION:
        assert step.message.strip()
    if action is A.RECORD_REFERRAL_RESULT:
        assert referred_to is not None
        assert referral_result is None
    if action is A.REFER_CRIMINAL:
        assert not criminal, "a second criminal referral"
    if action is A.RECORD_CRIMINAL_OUTCOME:
        assert criminal
        assert criminal_outcome is None
    if action is A.DECIDE_PENALTY:
        notified = step.date_of(Field.NOTIFIED_ON)
        assert notified is not None
        assert step.event_on <= notified <= rules.today
        assert code(Field.PENALTY) in rules.penalties_by_severity[code(Field.SEVERITY_FOUND)]
    if action is A.DECIDE_APPEAL and code(Field.APPEAL_RESULT) == "reduced":
        assert LIGHTEST_FIRST.index(code(Field.PENALTY)) < LIGHTEST_FIRST.index(penalty)
    window = _running(before, "appeal_window")
    if action is A.FILE_APPEAL:
        assert window is not None
        assert step.event_on <= window[3]
    if action is A.CONCLUDE and before.status == S.PENALTY_ORDERED and window is not None:
        assert step.event_on > window[3], "concluded while an appeal could still be filed"
    if action is A.EXTEND_INVESTIGATION:
        investigation = _running(before, "disciplinary_investigation")
        new_due = step.date_of(Field.NEW_DUE_ON)
        assert investigation is not None
        assert new_due is not None
        assert new_due > investigation[3]
    if action is A.SEND_COPY_TO_NACC:
        assert _running(before, "copy_to_nacc") is not None
    if action is A.RECORD_DELAY_REASON:
        final = _running(before, "final_feedback")
        assert final is not None
        assert final[3] < rules.today
    first_meeting = step.date_of(Field.FIRST_MEETING_ON)
    if action is A.APPOINT_INVESTIGATION_COMMITTEE and first_meeting is not None:
        assert first_meeting >= step.event_on


def _check_clocks(
    before: Snapshot, after: Snapshot, step: StepInput, deadlines: Deadlines, today_: date
) -> None:
    """New clocks start on the right day and fall due by DOMAIN B; ended ones are met, missed or
    excused truly; the investigation's end moves only by an extension or the first meeting."""
    old = {row[0]: row for row in before.clocks}
    for row in after.clocks:
        _id, clock, started, due, ended, state = row
        if _id not in old:
            if clock == "appeal_window":  # B10: 30 days from the day the official was notified
                assert started == (step.date_of(Field.NOTIFIED_ON) or step.event_on)
            elif clock == "progress_feedback":  # restarted by the message sent with the step
                assert started == today_
            else:
                assert started == step.event_on, clock
            assert due == deadlines.due(clock, started), (clock, started, due)
            assert clock != "copy_to_nacc" or after.results[5], "a copy to the NACC owed without its finding"
        elif row != old[_id] and old[_id][5] == "running" and state != "running":
            if state == "excused":
                assert step.action is A.RECORD_DELAY_REASON
                assert clock == "final_feedback"
            else:
                in_time = ended <= due or clock == "appeal_window"
                assert state == ("met" if in_time else "missed"), (clock, ended, due, state)
        elif clock == "disciplinary_investigation" and due != old[_id][3]:
            first_meeting = step.date_of(Field.FIRST_MEETING_ON)
            if step.action is A.EXTEND_INVESTIGATION:
                assert due == step.date_of(Field.NEW_DUE_ON)
            else:
                assert step.action is A.APPOINT_INVESTIGATION_COMMITTEE
                assert first_meeting is not None
                assert due == max(old[_id][3], deadlines.due(clock, first_meeting))
        else:
            assert row == old[_id], f"{clock} changed by {step.action}"
    running = [row for row in after.clocks if row[5] == "running"]
    for clock in {row[1] for row in running}:
        _running(after, clock)
    for clock, stage in STAGE_CLOCKS.items():
        assert _running(after, clock) is None or after.status == stage, f"{clock} runs in {after.status}"
    if Status(after.status) in COMPLETED:
        assert {row[1] for row in running} <= SURVIVING_COMPLETION
    earliest = min(running, key=lambda row: (row[3], row[0]), default=None)
    assert after.next_deadline == ((earliest[3], earliest[1]) if earliest else (None, None))


def _check_accepted(before: Snapshot, after: Snapshot, step: StepInput) -> None:
    expected = _expected(step.action, Status(before.status))
    assert expected is not None, f"{step.action} accepted from {before.status}"
    assert after.status == expected
    if Status(before.status) in FINAL:
        assert after.status == before.status
    assert after.events == before.events + 1
    assert after.audit_entries >= before.audit_entries + 1
    if Status(after.status) in COMPLETED:
        entered = Status(before.status) not in COMPLETED
        assert after.closed_on == (step.event_on if entered else before.closed_on)
    else:
        assert after.closed_on is None


# Days between two steps: mostly a few, sometimes a clock's length or more, sometimes back in time.
LATER = st.sampled_from([0, 0, 1, 2, 3, 7, 14, 29, 30, 31]) | st.integers(-3, 120)


# The steps that move a case along the main track, preferred when open, so histories reach the
# penalty, appeal and closing steps instead of stopping at "not accepted" or "referred" (records
# within a stage are still drawn among the allowed actions).
MAIN_TRACK = (
    A.START_SCREENING,
    A.START_FACT_FINDING,
    A.START_DISCIPLINARY,
    A.CONSIDER_PENALTY,
    A.DECIDE_PENALTY,
    A.FILE_APPEAL,
    A.DECIDE_APPEAL,
    A.CONCLUDE,
    A.SEND_COPY_TO_NACC,
)


def _pick_action(data: st.DataObject, status: str) -> Action:
    allowed = procedure.allowed_actions(status, frozenset({"lead"}))
    forward = [action for action in allowed if action in MAIN_TRACK]
    way = data.draw(st.integers(0, 9), label="which kind of action")
    if forward and way < 6:
        return data.draw(st.sampled_from(forward), label="action")
    if allowed and way < 9:
        return data.draw(st.sampled_from(allowed), label="action")
    return data.draw(st.sampled_from(list(Action)), label="action")


@fuzz_settings(45)
@given(
    back=st.integers(0, 420),
    cleared=st.integers(0, 3).map(bool),
    length=st.integers(1, 20),
    data=st.data(),
)
def test_random_histories_follow_the_procedure_and_its_deadlines(
    app: Flask, back: int, cleared: bool, length: int, data: st.DataObject
) -> None:
    config = app.config
    deadlines = Deadlines(config)
    rules = Rules(today=today(), penalties_by_severity=settings.penalties_by_severity(app))
    submitted_on = rules.today - timedelta(days=back)
    with app.app_context(), new_session(app) as db:
        case = _new_case(app, db, submitted_on, cleared)
        lead = db.scalars(select(StaffUser).where(StaffUser.username == "lead")).one()
        context = StaffContext(user=lead, row=StaffSession(), session_key=b"", personal_key=b"")
        content_key, day = crypto.new_data_key(), submitted_on
        for _ in range(length):
            action = _pick_action(data, case.status)
            day += timedelta(days=data.draw(LATER, label="days later"))
            day = min(day, rules.today + timedelta(days=1))  # a step dated tomorrow is refused
            before = snapshot(db, case)
            investigation = _running(before, "disciplinary_investigation")
            step = _step_input(data, action, day, investigation[3] if investigation else None, config)
            try:
                record_step(
                    db,
                    case,
                    content_key,
                    context,
                    step,
                    rules,
                    settings.calendar(app),
                    settings.reference_key(app),
                )
            except CaseActionRefused:
                assert snapshot(db, case) == before, f"refused {action} changed the case"
                db.rollback()
                continue
            after = snapshot(db, case)
            _check_accepted(before, after, step)
            _check_guards(before, step, cleared, rules, submitted_on)
            _check_clocks(before, after, step, deadlines, rules.today)
            db.commit()
        assert audit.verify(db) == []


# --- the audit chain against any tampering --------------------------------------------------------

STAFF_FIELDS = (
    "occurred_at",
    "actor_kind",
    "actor_id",
    "action",
    "case_id",
    "detail",
    "previous_hash",
    "entry_hash",
)
REPORTER_FIELDS = ("occurred_on", "action", "case_id", "detail", "previous_hash", "entry_hash")
TAMPERINGS = ("field", "delete", "delete_relink", "reorder_relink", "insert", "head_field", "head_delete")
HEX = st.text("0123456789abcdef", min_size=64, max_size=64)


def _other_value(name: str, old: Any, draw: Callable[..., Any]) -> Any:
    """A value for ``name`` different from ``old``, of the column's type."""
    if name == "occurred_at":
        return old + timedelta(seconds=draw(st.integers(1, 10**6)) * draw(st.sampled_from([1, -1])))
    if name == "occurred_on":
        return old + timedelta(days=draw(st.integers(1, 4000)) * draw(st.sampled_from([1, -1])))
    if name in ("actor_id", "case_id"):
        return draw((st.none() | st.integers(0, 50)).filter(lambda value: value != old))
    if name in ("previous_hash", "entry_hash"):
        return draw(HEX.filter(lambda value: value != old))
    return draw(st.text(max_size=30).filter(lambda value: value != old))


def _relink(entries: list[Any], start: int) -> None:
    """Make every entry from ``start`` on point at the one before it, as a forger would."""
    for index in range(max(start, 1), len(entries)):
        entries[index].previous_hash = entries[index - 1].entry_hash
    if start == 0 and entries:
        entries[0].previous_hash = audit.GENESIS


def _tamper(db: Session, model: type[Any], chain: int, how: str, draw: Callable[..., Any]) -> None:
    entries = list(db.scalars(select(model).order_by(model.id)))
    fields = STAFF_FIELDS if model is AuditEvent else REPORTER_FIELDS
    at = draw(st.integers(0, len(entries) - 1), label="entry")
    head = db.get_one(AuditHead, chain)
    if how == "field":
        name = draw(st.sampled_from(fields), label="field")
        setattr(entries[at], name, _other_value(name, getattr(entries[at], name), draw))
    elif how in ("delete", "delete_relink"):
        db.delete(entries[at])
        db.flush()
        if how == "delete_relink":
            rest = entries[:at] + entries[at + 1 :]
            _relink(rest, at)
    elif how == "reorder_relink":
        at = min(at, len(entries) - 2)
        first, second = entries[at], entries[at + 1]
        values = [{name: getattr(entry, name) for name in fields} for entry in (first, second)]
        first.entry_hash = "f" * 64  # entry hashes are unique: move one out of the way first
        db.flush()
        for entry, taken in ((second, values[0]), (first, values[1])):
            for name, value in taken.items():
                setattr(entry, name, value)
            db.flush()
        _relink(entries, at)
    elif how == "insert":
        _insert(db, model, entries, at, head, draw)
    elif how == "head_field":
        name = draw(st.sampled_from(["entries", "last_hash", "mac"]), label="head field")
        if name == "entries":
            head.entries += draw(st.integers(1, 5)) * draw(st.sampled_from([1, -1]))
        elif name == "last_hash":
            head.last_hash = entries[draw(st.integers(0, len(entries) - 2))].entry_hash
        else:
            head.mac = draw(HEX.filter(lambda value: value != head.mac))
    else:
        db.delete(head)
    db.flush()


def _insert(
    db: Session, model: type[Any], entries: list[Any], at: int, head: AuditHead, draw: Callable[..., Any]
) -> None:
    """A forged entry after entry ``at`` (appended at the end of the table), hashed without the
    server's key (or with a guessed one), the head moved to it when it is the last."""
    previous = entries[at]
    if model is AuditEvent:
        forged = AuditEvent(
            occurred_at=previous.occurred_at,
            actor_kind="staff",
            actor_id=1,
            action="case_viewed",
            case_id=previous.case_id,
            detail="forged",
            previous_hash=previous.entry_hash,
        )
        forged.entry_hash = audit._staff_hash(previous.entry_hash, forged, b"guessed key" * 3)
    else:
        forged = ReporterAuditEvent(
            occurred_on=previous.occurred_on,
            action="reporter_message",
            case_id=previous.case_id,
            detail="forged",
            previous_hash=previous.entry_hash,
        )
        forged.entry_hash = audit._reporter_hash(previous.entry_hash, forged, b"guessed key" * 3)
    db.add(forged)
    if previous is entries[-1] and draw(st.booleans(), label="move the head"):
        head.last_hash, head.entries = forged.entry_hash, head.entries + 1


def _fill_chains(app: Flask) -> None:
    with app.app_context(), new_session(app) as db:
        for number in range(7):
            audit.record(
                db,
                "case_viewed",
                audit.STAFF,
                actor_id=1 + number % 3,
                case_id=number or None,
                detail=f"n={number}",
            )
            if number % 2:
                audit.record(db, "reporter_message", audit.REPORTER, case_id=number, detail=f"r={number}")
        audit.record(db, "outbox_sent", audit.SYSTEM, detail="mails=1")
        db.commit()
        assert audit.verify(db) == []


@fuzz_settings(200)
@given(chain=st.sampled_from(["staff", "reporter"]), how=st.sampled_from(TAMPERINGS), data=st.data())
def test_any_tampering_with_either_chain_is_detected(
    app: Flask, chain: str, how: str, data: st.DataObject
) -> None:
    if not app.config.get("FUZZ_CHAINS_FILLED"):
        _fill_chains(app)
        app.config["FUZZ_CHAINS_FILLED"] = True
    model, number = (
        (AuditEvent, audit.STAFF_CHAIN) if chain == "staff" else (ReporterAuditEvent, audit.REPORTER_CHAIN)
    )
    with app.app_context(), new_session(app) as db:
        _tamper(db, model, number, how, data.draw)
        problems = audit.verify(db)
        db.rollback()
        assert chain in {problem.chain for problem in problems}, (how, problems)
        assert audit.verify(db) == []  # the rollback put everything back for the next example


def test_the_tampering_helpers_leave_an_untouched_chain_intact(app: Flask) -> None:
    """The fuzz above would pass vacuously if filling the chains already broke them."""
    _fill_chains(app)
    with app.app_context(), new_session(app) as db:
        staff = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        _relink(staff, 0)  # relinking an intact chain changes nothing
        assert audit.verify(db) == []
        assert isinstance(staff[0].occurred_at, datetime)
