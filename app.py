"""Application factory: ``flask --app app run`` or ``gunicorn 'app:create_app()'``."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import click
from flask import Flask

from gallery import cli, db, decoding, errors, formatting, limits, queue, ratelimits, security, storage
from gallery.api.declare import init_api
from gallery.api.docs import bp as api_docs_bp
from gallery.api.views import bp as api_bp
from gallery.auditlog.views import bp as auditlog_bp
from gallery.auth.setup import issue_setup_link
from gallery.auth.staff_views import bp as staff_bp
from gallery.auth.views import bp as auth_bp
from gallery.branding.service import page_brand
from gallery.branding.views import bp as branding_bp
from gallery.calibration.views import bp as calibration_bp
from gallery.capture.views import bp as capture_bp
from gallery.compare.views import bp as compare_bp
from gallery.config import load_config
from gallery.consent.views import bp as consent_bp
from gallery.extensions import csrf, limiter
from gallery.intake.views import bp as intake_bp
from gallery.json import GalleryJSONProvider
from gallery.patients.views import bp as patients_bp
from gallery.proxies import TrustedProxies, parse_networks
from gallery.photos import grades
from gallery.photos.views import bp as photos_bp
from gallery.planning.views import bp as planning_bp
from gallery.portal.consent_views import bp as portal_consent_bp
from gallery.portal.views import bp as portal_bp
from gallery.public.views import bp as public_bp
from gallery.routing import RecordId
from gallery.signoff.views import bp as signoff_bp
from gallery.stock.views import bp as stock_bp


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A new app: defaults < environment < ``config``; database migrated on start (see below for
    ``flask`` commands), and on a fresh install the first admin's setup link printed."""
    settings = load_config(config)
    app = Flask(__name__, instance_path=settings["GALLERY_DATA_DIR"])
    app.json = GalleryJSONProvider(app)
    if settings["GALLERY_TRUSTED_PROXIES"]:
        app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(settings["GALLERY_TRUSTED_PROXIES"]))
    app.config.update(settings)
    app.config.update(
        SECRET_KEY=settings["GALLERY_SECRET_KEY"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["GALLERY_COOKIE_SECURE"],
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # tokens are tied to the session, which expires itself
        # Shared by every process of this host by default (see gallery.ratelimits); Redis for several hosts.
        RATELIMIT_STORAGE_URI=settings["GALLERY_RATE_LIMIT_STORAGE"]
        or f"{ratelimits.SCHEME}://{settings['GALLERY_DATA_DIR']}/ratelimits.sqlite3",
        RATELIMIT_ENABLED=settings.get("RATELIMIT_ENABLED", True),
        RATELIMIT_HEADERS_ENABLED=True,  # a refused client is told when to retry (Retry-After)
        # The counters' store down (Redis stopped) lets requests through, logged, instead of a 500 each.
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_STORAGE_OPTIONS=ratelimits.storage_options(settings["GALLERY_RATE_LIMIT_STORAGE"]),
    )
    logging.basicConfig(level=logging.INFO)
    limits.init_app(app)  # first: before any hook reads a request body
    db.init_app(app)
    grades.init_app(app)
    storage.init_app(app)
    decoding.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    formatting.init_app(app)
    cli.init_app(app)
    queue.init_app(app)
    app.url_map.converters["id"] = RecordId
    for blueprint in (auth_bp, patients_bp, photos_bp, compare_bp, consent_bp, portal_bp, portal_consent_bp, public_bp,
                      auditlog_bp, calibration_bp, capture_bp, planning_bp, signoff_bp,
                      stock_bp, staff_bp, intake_bp, api_docs_bp, branding_bp):
        app.register_blueprint(blueprint)
    app.context_processor(lambda: {"brand": page_brand()})  # the clinic's name and logo in page headers
    init_api(app, api_bp)
    command = click.get_current_context(silent=True)
    if command is None or command.info_name == "run":  # a server (gunicorn, `flask run`) or a test
        db.migrate(app.extensions["gallery_engine"], settings["GALLERY_DATA_DIR"])
        issue_setup_link(app)
    # Any other `flask` command migrates as it runs (gallery.cli.with_database): the app is also
    # loaded only to list the commands (`flask --help`), which must change nothing.
    return app
