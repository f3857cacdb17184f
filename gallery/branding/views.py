"""The admin's branding page: the clinic's name and logo."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gallery.auth import current_user, login_required, require_role
from gallery.branding.service import brand_of, update_branding
from gallery.db import get_db
from gallery.errors import GalleryError, upload_status
from uploads.errors import UploadError

bp = Blueprint("branding", __name__)


@bp.route("/admin/branding", methods=["GET", "POST"])
@login_required
def settings() -> Response | str | tuple[str, int]:
    user = require_role(current_user(), "admin", "Only an admin changes the clinic's name and logo.")
    clinic = user.clinic
    if request.method == "GET":
        return render_template("branding/settings.html", clinic=clinic, logo=brand_of(clinic).logo_url,
                               name=clinic.name)
    file = request.files.get("logo")
    try:
        update_branding(clinic, name=request.form.get("name", ""), logo=file.read() if file and file.filename else None,
                        remove_logo=request.form.get("remove_logo") == "1")
    except (UploadError, GalleryError) as error:
        get_db().rollback()
        status = upload_status(error) if isinstance(error, UploadError) else error.status
        message = str(error) if isinstance(error, UploadError) else error.message
        # The name as typed stays in the form: only the file needs choosing again.
        return render_template("branding/settings.html", clinic=clinic, logo=brand_of(clinic).logo_url,
                               name=request.form.get("name", ""), error=message), status
    get_db().commit()
    flash("Saved: patients see this name and logo in the portal, on public pages, in emails (the name) and in "
          "downloads.")
    return redirect(url_for("branding.settings"))
