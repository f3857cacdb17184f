"""Review and retreatment reminders: sent by email through a real SMTP server (aiosmtpd,
tests/servers.py), once, only with the patient's consent to be contacted, stopped by its
withdrawal, audited, with no health details; run by the job queue's periodic task."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from gallery.db import get_db
from gallery.models import AuditEvent, Patient, Reminder, TreatmentRecord, Visit, utcnow
from gallery.reminders import send_due_reminders
from tests.conftest import Staff
from tests.web.helpers import api_caller
from tests.web.test_patient_messages import HEALTH_WORDS

BASE_URL = "https://photos.clinic-a.test"
TREATED = date(2026, 3, 1)
# Three days before the review at day 14 (15 March): the first day its reminder may go.
NOW = datetime(2026, 3, 12, 9, 0)


@pytest.fixture
def reminding(make_app, smtp_server):
    """An app that emails through the test's SMTP server, with its public address set; the outbox."""
    from tests.web.conftest import Outbox

    port, folder = smtp_server
    app = make_app(GALLERY_SMTP_HOST="127.0.0.1", GALLERY_SMTP_PORT=port, GALLERY_SMTP_STARTTLS=False,
                   GALLERY_MAIL_FROM="staff@clinic-a.test", GALLERY_BASE_URL=BASE_URL)
    return app, Outbox(folder)


def _treated_patient(app, *, email: str = "ann@example.test", treated: date = TREATED,
                     scopes: tuple[str, ...] = ("clinical", "contact")) -> tuple[int, callable]:
    """Staff of Clinic A, a patient treated on ``treated`` (a visit with its treatment record) who
    consented to ``scopes``; returns the patient's id and an API caller."""
    staff = Staff(app)
    staff.create()
    api = api_caller(app, staff.token())
    patient_id = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    with app.app_context():
        db = get_db()
        patient = db.get(Patient, patient_id)
        patient.email = email
        visit = Visit(clinic_id=patient.clinic_id, patient_id=patient.id, visit_date=treated, notes="", treated=True)
        db.add(visit)
        db.flush()
        db.add(TreatmentRecord(clinic_id=patient.clinic_id, visit_id=visit.id,
                               given_at=datetime.combine(treated, datetime.min.time()) + timedelta(hours=10),
                               sites=[], total_units=20.0, warnings=[]))
        db.commit()
    if scopes:
        response = api("POST", f"/api/v1/patients/{patient_id}/consents",
                       json={"scopes": list(scopes), "signed_name": "Ann Lee", "text_version": "1"})
        assert response.status_code == 201, response.get_json()
    return patient_id, api


def _send(app, now: datetime = NOW) -> int:
    with app.app_context():
        return send_due_reminders(now)


def _rows(app) -> list[tuple[str, date, str]]:
    with app.app_context():
        return [(r.kind, r.due_on, r.status) for r in get_db().scalars(select(Reminder).order_by(Reminder.id))]


def _audited(app) -> list[tuple[str, str, int | None, str]]:
    with app.app_context():
        return [(e.action, e.object_type, e.object_id, e.actor) for e in get_db().scalars(
            select(AuditEvent).where(AuditEvent.action.like("remind_%")))]


def test_a_review_reminder_goes_once_from_the_clinic_with_only_a_sign_in_link(reminding):
    app, outbox = reminding
    patient, _ = _treated_patient(app)
    assert _send(app) == 1
    (message,) = outbox.to("ann@example.test")
    assert message["From"].addresses[0].display_name == "Clinic A"
    assert message["Subject"] == "A reminder from Clinic A"
    assert not message.is_multipart()  # plain text: no photo, no logo
    body = message.get_content()
    assert f"{BASE_URL}/portal/login" in body and "15 March 2026" in body
    words = [w for w in HEALTH_WORDS if re.search(rf"\b{re.escape(w)}", body.replace(BASE_URL, ""), re.IGNORECASE)]
    assert words == [] and "Ann" not in body, (words, body)
    assert _rows(app) == [("review", date(2026, 3, 15), "sent")]
    assert _audited(app) == [("remind_review", "patient", patient, "system:reminders")]
    # Every later run, by any process, sends nothing more.
    assert _send(app) == 0 and _send(app, NOW + timedelta(days=3)) == 0
    assert len(outbox.messages()) == 1 and len(_audited(app)) == 1


def test_no_reminder_without_consent_to_be_contacted(reminding):
    app, outbox = reminding
    patient, _ = _treated_patient(app, scopes=("clinical", "portal"))
    assert _send(app) == 0
    assert outbox.messages() == [] and _rows(app) == [] and _audited(app) == []
    client = Staff(app).login(app.test_client())
    page = client.get(f"/patients/{patient}").get_data(as_text=True)
    assert "No reminder is sent: no consent to be contacted (contact)." in page


def test_withdrawn_contact_consent_stops_reminders_already_due(reminding):
    app, outbox = reminding
    patient, api = _treated_patient(app)
    response = api("POST", f"/api/v1/patients/{patient}/consents/withdraw", json={"scopes": ["contact"]})
    assert response.status_code == 201
    assert _send(app) == 0
    assert outbox.messages() == [] and _rows(app) == []


def test_a_withdrawal_in_the_portal_stops_the_next_run(reminding):
    """The patient withdraws on the portal's confirmation page; the periodic run then sends nothing."""
    from tests.conftest import PASSWORD

    app, outbox = reminding
    patient, _ = _treated_patient(app, scopes=("clinical", "portal", "contact"))
    client = Staff(app).login(app.test_client())
    page = client.post(f"/patients/{patient}/invitation").get_data(as_text=True)
    path = re.search(r"/portal/accept/[\w-]+", page).group(0)
    portal = app.test_client()
    portal.post(path, data={"email": "ann@example.test", "password": PASSWORD, "confirm": PASSWORD})
    confirm = portal.get("/portal/consents/withdraw?scopes=contact").get_data(as_text=True)
    assert "The clinic sends you no more reminder emails" in confirm
    response = portal.post("/portal/consents/withdraw", data={"scopes": "contact", "confirmed": "yes"})
    assert response.status_code == 302
    assert _send(app) == 0 and outbox.messages() == []


def test_a_reminder_claimed_by_another_worker_is_not_sent_twice(reminding):
    app, outbox = reminding
    patient, _ = _treated_patient(app)
    with app.app_context():
        clinic_id = get_db().get(Patient, patient).clinic_id
        get_db().add(Reminder(clinic_id=clinic_id, patient_id=patient, kind="review", due_on=date(2026, 3, 15),
                              status="sending", sent_to="ann@example.test"))
        get_db().commit()
    assert _send(app) == 0 and outbox.messages() == []


def test_the_review_reminder_window_and_a_review_visit(reminding):
    app, outbox = reminding
    patient, _ = _treated_patient(app)
    assert _send(app, NOW - timedelta(days=1)) == 0  # 4 days before the review: too early
    assert _send(app, datetime(2026, 3, 23, 9)) == 0  # day 22: too late to be useful
    with app.app_context():
        get_db().add(Visit(clinic_id=1, patient_id=patient, visit_date=date(2026, 3, 11), notes=""))
        get_db().commit()
    assert _send(app) == 0  # seen on day 10: the review happened
    assert outbox.messages() == []


def test_no_email_address_no_reminder(reminding):
    app, outbox = reminding
    _treated_patient(app, email="")
    assert _send(app) == 0 and outbox.messages() == []


def test_a_retreatment_reminder_comes_a_week_before_the_suggested_date(reminding):
    app, outbox = reminding
    patient, _ = _treated_patient(app, treated=date(2026, 1, 2))
    with app.app_context():  # the review came: only the retreatment is left
        get_db().add(Visit(clinic_id=1, patient_id=patient, visit_date=date(2026, 1, 16), notes=""))
        get_db().commit()
    assert _send(app, datetime(2026, 3, 25, 9)) == 0  # the label's 90 days: 2 April; a week before is 26 March
    assert _send(app, datetime(2026, 3, 26, 9)) == 1
    (message,) = outbox.to("ann@example.test")
    assert "from around 2 April 2026" in message.get_content()
    assert _rows(app) == [("retreatment", date(2026, 4, 2), "sent")]
    assert _audited(app) == [("remind_retreatment", "patient", patient, "system:reminders")]
    assert _send(app, datetime(2026, 4, 10, 9)) == 0


def test_the_timeline_shows_what_is_scheduled_and_what_was_sent(reminding):
    app, _ = reminding
    patient, _ = _treated_patient(app)
    client = Staff(app).login(app.test_client())
    page = client.get(f"/patients/{patient}").get_data(as_text=True)
    assert 'data-kind="review" data-state="scheduled"' in page
    assert "due 15 Mar 2026:\n          emailed between 12 Mar and 22 Mar 2026, once" in page
    assert 'data-kind="retreatment" data-state="scheduled"' in page
    _send(app)
    page = client.get(f"/patients/{patient}").get_data(as_text=True)
    assert 'data-kind="review" data-state="sent"' in page and "sent to ann@example.test on" in page
    assert 'data-kind="review" data-state="scheduled"' not in page


def test_the_command_sends_what_is_due_on_the_day_given(reminding):
    app, outbox = reminding
    _treated_patient(app)
    result = app.test_cli_runner().invoke(args=["send-reminders", "--today", "2026-03-12"])
    assert result.exit_code == 0, result.output
    assert "1 reminder(s) sent." in result.output
    assert len(outbox.to("ann@example.test")) == 1


def test_without_a_base_url_nothing_is_sent(make_app, smtp_server):
    port, _ = smtp_server
    app = make_app(GALLERY_SMTP_HOST="127.0.0.1", GALLERY_SMTP_PORT=port, GALLERY_SMTP_STARTTLS=False,
                   GALLERY_MAIL_FROM="staff@clinic-a.test")
    _treated_patient(app)
    assert _send(app) == 0 and _rows(app) == []


def _periodic_run(app) -> None:
    """Huey's scheduler at a quarter hour finds the reminder task, and running it sends."""
    queue = app.extensions["gallery_queue"]
    due = [task.name for task in queue.huey.read_periodic(datetime(2026, 1, 1, 10, 15))]
    assert "send_reminders" in due
    (task,) = [task for task in queue.huey.read_periodic(datetime(2026, 1, 1, 10, 15)) if task.name == "send_reminders"]
    queue.huey.execute(task)


@pytest.mark.parametrize("mode", ["embedded", "redis"])
def test_the_queue_sends_due_reminders_periodically(mode, make_app, smtp_server, request):
    from tests.web.conftest import Outbox

    queue_url = f"{request.getfixturevalue('redis_server')}/3" if mode == "redis" else ""
    port, folder = smtp_server
    outbox = Outbox(folder)
    app = make_app(GALLERY_SMTP_HOST="127.0.0.1", GALLERY_SMTP_PORT=port, GALLERY_SMTP_STARTTLS=False,
                   GALLERY_MAIL_FROM="staff@clinic-a.test", GALLERY_BASE_URL=BASE_URL, GALLERY_QUEUE_URL=queue_url)
    _treated_patient(app, treated=utcnow().date() - timedelta(days=13))  # the task runs at the real today
    _periodic_run(app)
    assert len(outbox.to("ann@example.test")) == 1
    _periodic_run(app)  # the next quarter hour: nothing more
    assert len(outbox.to("ann@example.test")) == 1
