"""Operator commands: ``flask --app app init-db | create-user | create-token | revoke-tokens | backup | restore |
check-store | reanalyze | refresh-gallery | worker | send-reminders``."""
from __future__ import annotations

import functools
from datetime import datetime
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from gallery import audit
from gallery.auth import end_sessions, hash_password, new_api_token, revoke_tokens
from gallery.auth.forms import MIN_PASSWORD_LENGTH
from gallery.backup import BackupError, backup, restore
from gallery.db import get_db, migrate
from gallery.models import ROLES, Clinic, Photo, User
from gallery.photos.analysis import analyse_photo
from gallery.reminders import send_due_reminders
from gallery.store_check import check_store


def with_database(command: Callable[..., Any]) -> Callable[..., Any]:
    """``with_appcontext``, the database migrated first: ``create_app`` leaves that to the command
    that runs, since it also makes the app merely to list the commands (``flask --help``)."""
    @with_appcontext
    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        migrate(current_app.extensions["gallery_engine"], current_app.config["GALLERY_DATA_DIR"])
        return command(*args, **kwargs)

    return wrapped


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database (also done at every start)."""
    migrate(current_app.extensions["gallery_engine"], current_app.config["GALLERY_DATA_DIR"])
    click.echo("Database is up to date.")


@click.command("create-user")
@with_database
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--clinic", "clinic_name", help="Clinic name (created if new; default: the only clinic).")
@click.option("--name", required=True, help="Full name, as shown in the audit log and on signed reports.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, role: str, clinic_name: str | None, name: str, password_stdin: bool) -> None:
    """Create a staff account."""
    db = get_db()
    email = email.strip().lower()
    if not name.strip():
        raise click.ClickException("Give the person's full name with --name.")
    if db.scalar(select(User).where(User.email == email)):
        raise click.ClickException(f"A user with email {email} already exists.")
    if clinic_name:
        clinic = db.scalar(select(Clinic).where(Clinic.name == clinic_name))
        if clinic is None:
            clinic = Clinic(name=clinic_name)
            db.add(clinic)
            db.flush()
    else:
        clinics = db.scalars(select(Clinic)).all()
        if len(clinics) != 1:
            raise click.ClickException("Give --clinic NAME (there is not exactly one clinic).")
        clinic = clinics[0]
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    db.add(User(clinic_id=clinic.id, email=email, name=name.strip()[:200], password_hash=hash_password(password),
                role=role))
    db.commit()
    click.echo(f"Created {role} {email} in clinic {clinic.name!r}.")


@click.command("create-token")
@with_database
@click.argument("email")
def create_token_command(email: str) -> None:
    """Create an API token for a user; the token is printed on the last line."""
    db = get_db()
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    if not user.active:
        raise click.ClickException(f"{user.email} is deactivated: an admin reactivates the account first.")
    token = new_api_token(user)
    db.commit()
    days = current_app.config["GALLERY_TOKEN_DAYS"]
    click.echo(f"API token for {user.email}, valid {days} days (shown once; send as 'Authorization: Bearer <token>'):")
    click.echo(token)


@click.command("revoke-tokens")
@with_database
@click.argument("email")
def revoke_tokens_command(email: str) -> None:
    """Revoke every API token of a user (a lost laptop, a leaver) and end their sessions."""
    db = get_db()
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    count = revoke_tokens(user)
    audit.record("revoke_tokens", "user", user.id, clinic_id=user.clinic_id, actor="system:cli")
    end_sessions(user)  # commits
    click.echo(f"Revoked {count} token(s) of {user.email}; their sessions are ended.")


@click.command("backup")
@with_database
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
def backup_command(destination: Path) -> None:
    """Copy the database, photos and secret key into DESTINATION while the app runs."""
    try:
        manifest = backup(current_app, destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {manifest['photos']} photo(s), {manifest['files']} file(s) to {destination}.")


@click.command("restore")
@with_database
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(source: Path) -> None:
    """Restore a backup into this (empty) data directory; start the app afterwards."""
    try:
        manifest = restore(current_app, source)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {manifest['photos']} photo(s), {manifest['files']} file(s) from {source}.")


@click.command("check-store")
@with_database
@click.option("--fix", is_flag=True, help="Delete blobs that no photo names (older than an hour).")
def check_store_command(fix: bool) -> None:
    """Compare photo rows with the store: missing blobs (exit 1) and orphaned blobs."""
    report = check_store(current_app.extensions["gallery_store"], fix=fix)
    for photo_id, variant in report.missing:
        click.echo(f"missing: photo {photo_id} has no {variant}")
    verb = "deleted" if fix else "found (run with --fix to delete)"
    click.echo(f"{report.orphan_count} orphaned blob(s) {verb}; {report.recent_orphans} newer than an hour left alone; "
               f"{len(report.missing)} missing blob(s).")
    if report.missing:
        sys.exit(1)


@click.command("reanalyze")
@with_database
@click.option("--all", "everything", is_flag=True, help="Also photos already at the current analysis version.")
def reanalyze_command(everything: bool) -> None:
    """Analyse again, here and now: failed photos, and those of an older analysis version."""
    from landmarks import ANALYSIS_VERSION

    db = get_db()
    statement = select(Photo).where(Photo.analysis_status != "pending").order_by(Photo.id)
    if not everything:
        statement = statement.where((Photo.analysis_version != ANALYSIS_VERSION) | (Photo.analysis_status == "failed"))
    count = failed = 0
    for photo in db.scalars(statement).all():
        analyse_photo(photo, actor="system:reanalyze")
        count += 1
        failed += photo.analysis_status == "failed"
    click.echo(f"Reanalysed {count} photo(s)" + (f"; {failed} failed (see the photo pages)." if failed else "."))


@click.command("refresh-gallery")
@with_database
def refresh_gallery_command() -> None:
    """Make every published case's public image again where it is of an older form (after an upgrade)."""
    from gallery.consent.records import effective_consent
    from gallery.models import Comparison
    from gallery.public.service import refresh_public_image

    db = get_db()
    remade = unpublished = 0
    for comparison in db.scalars(select(Comparison).where(Comparison.published_at.is_not(None))
                                 .order_by(Comparison.id)).all():
        consent = effective_consent(comparison.patient_id)
        if not consent.allows("marketing"):
            continue  # not served while consent is not in force; made again if it is given again
        remade += refresh_public_image(comparison, consent) is not None
        if comparison.published_at is None:
            unpublished += 1
            click.echo(f"Case {comparison.id} taken out of the gallery: {comparison.public_note}")
    click.echo(f"Made {remade} public image(s) again; {unpublished} case(s) taken out of the gallery.")


@click.command("worker")
@with_database
@click.option("--workers", default=2, show_default=True, help="Analyses run at once in this process.")
def worker_command(workers: int) -> None:
    """Run queued analyses until stopped (with GALLERY_QUEUE_URL=redis://...)."""
    queue = current_app.extensions["gallery_queue"]
    if not queue.shared:
        raise click.ClickException("Without GALLERY_QUEUE_URL=redis://... the web processes run the analyses "
                                   "themselves; there is nothing for a separate worker to do.")
    queue.run_worker(workers)


@click.command("demo-data")
@click.option("--clinic", "clinic_name", help="Clinic to add the demo patient to (default: the only clinic).")
@with_database
def demo_data_command(clinic_name: str | None) -> None:
    """Add a demo patient with photos, consent and a comparison (public-domain portrait)."""
    from flask import g

    from gallery.demo import create_demo

    db = get_db()
    clinics = db.scalars(select(Clinic).where(Clinic.name == clinic_name) if clinic_name else select(Clinic)).all()
    if len(clinics) != 1:
        raise click.ClickException("Name the clinic with --clinic (after creating its first account).")
    g.user = db.scalar(select(User).where(User.clinic_id == clinics[0].id).order_by(User.id))
    if g.user is None:
        raise click.ClickException("Create a staff account first (the setup link, or create-user).")
    try:
        patient = create_demo(clinics[0], g.user.id)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added demo patient {patient.id} to clinic {clinics[0].name!r}.")


@click.command("send-reminders")
@with_database
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Send what is due on this day (YYYY-MM-DD) instead of today: to catch up after an outage.")
def send_reminders_command(today: datetime | None) -> None:
    """Email the review and retreatment reminders due now (the queue also does it every 15 minutes)."""
    click.echo(f"{send_due_reminders(today)} reminder(s) sent.")


def init_app(app: Flask) -> None:
    for command in (init_db_command, create_user_command, create_token_command, revoke_tokens_command,
                    backup_command, restore_command, check_store_command, reanalyze_command, refresh_gallery_command,
                    worker_command, demo_data_command, send_reminders_command):
        app.cli.add_command(command)
