"""The patient's own consents in the portal: withdrawing after a confirmation, and giving again.

A withdrawal is never one click: a page first says, in plain words, what will happen
(``WITHDRAWAL_WORDS``), and offers the data export before the portal closes. A consent
given here is recorded as the patient's own, under the clinic's newest consent text.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gallery import audit
from gallery.consent.records import (
    SCOPE_WORDS,
    WITHDRAWAL_WORDS,
    describe_withdrawal,
    effective_consent,
    grant,
    parse_scopes,
    published_texts,
    withdraw,
)
from gallery.db import get_db
from gallery.errors import Conflict, InvalidInput
from gallery.models import SCOPES, utcnow
from gallery.patients.export import latest_export
from gallery.portal.session import actor, current_account, patient_login_required

bp = Blueprint("portal_consent", __name__, url_prefix="/portal/consents")


def _chosen(asked: list[str], *, held: bool) -> list[str]:
    """The scopes ``asked`` that the patient holds now (``held``) or does not (to give them again)."""
    consent = effective_consent(current_account().patient_id)
    return [scope for scope in parse_scopes(asked) if consent.allows(scope) == held]


def _withdrawal_page(scopes: list[str], error: str = "") -> str:
    """What withdrawing ``scopes`` will do, in plain words; the data export first when the portal closes."""
    return render_template("portal/withdraw.html", scopes=scopes, scope_words=SCOPE_WORDS,
                           consequences=WITHDRAWAL_WORDS, export=latest_export(current_account().patient_id),
                           now=utcnow(), error=error)


def _to_withdraw(asked: list[str]) -> list[str]:
    """The scopes asked for that are in force now: what a confirmation would withdraw."""
    if not asked:
        raise InvalidInput("Choose what to withdraw.")
    scopes = _chosen(asked, held=True)
    if not scopes:
        raise Conflict("You have not given this consent, so there is nothing to withdraw.")
    return scopes


@bp.get("/withdraw")
@patient_login_required
def confirm_withdrawal() -> str:
    """The step before a withdrawal: nothing is withdrawn until the patient confirms here."""
    return _withdrawal_page(_to_withdraw(request.args.getlist("scopes")))


@bp.post("/withdraw")
@patient_login_required
def withdraw_scopes() -> Response | tuple[str, int]:
    """Withdraw, once confirmed on the page that says what will happen (a bare POST withdraws nothing)."""
    patient = current_account().patient
    if request.form.get("confirmed") != "yes":
        return _withdrawal_page(_to_withdraw(request.form.getlist("scopes")), error=(
            "Nothing was withdrawn yet: read what will happen, then confirm.")), 400
    if not request.form.getlist("scopes"):
        raise InvalidInput("Choose what to withdraw.")
    scopes = parse_scopes(request.form.getlist("scopes"))
    record = withdraw(patient.clinic_id, patient.id, scopes, recorded_by_id=None, by_patient=True,
                      signed_name=patient.name)
    if record is not None:
        get_db().flush()
        audit.record("withdraw_consent", "consent", record.id, clinic_id=patient.clinic_id, actor=actor())
        get_db().commit()
    message = describe_withdrawal(scopes, record)
    if record is not None and "portal" in record.scopes:
        message += (" Your portal sessions have ended; sign in again to download a copy of your records or to "
                    "change your choices.")
    flash(message)
    return redirect(url_for("portal.home"))


@bp.route("/give", methods=["GET", "POST"])
@patient_login_required
def give() -> Response | str | tuple[str, int]:
    """Give a consent again (or for the first time), under the clinic's newest consent text.

    The patient reads the text, ticks the uses and types their name: the record says
    it was made here, in the portal, under the version shown.
    """
    patient = current_account().patient
    text = published_texts(patient.clinic_id)[0]
    offered = [scope for scope in SCOPES if not effective_consent(patient.id).allows(scope)]

    def page(error: str = "", chosen: list[str] | None = None) -> str:
        return render_template("portal/give.html", text=text, offered=offered, scope_words=SCOPE_WORDS,
                               chosen=chosen or [], error=error, name=request.form.get("signed_name", ""))

    if request.method == "GET":
        return page(chosen=request.args.getlist("scopes"))
    asked = request.form.getlist("scopes")
    scopes = _chosen(asked, held=False) if asked else []
    signed_name = request.form.get("signed_name", "").strip()
    if not scopes:
        return page("Choose at least one use you agree to, among those you have not given."), 422
    if not signed_name:
        return page("Type your full name: it is your signature.", scopes), 422
    if request.form.get("text_version") != text.version:
        return page("The clinic published a new consent text while you were reading: read this version, "
                    "then choose again.", scopes), 409
    record = grant(patient.clinic_id, patient.id, scopes, text_version=text.version, signed_name=signed_name,
                   marketing_identifiable=request.form.get("marketing_identifiable") == "1", signature_png=None,
                   recorded_by_id=None, by_patient=True)
    get_db().flush()
    audit.record("grant_consent", "consent", record.id, clinic_id=patient.clinic_id, actor=actor())
    get_db().commit()
    flash("Thank you: your consent is recorded and applies from now on.")
    return redirect(url_for("portal.home", _anchor="consents"))
