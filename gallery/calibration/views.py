"""Grade calibration per region: thresholds, weighted kappa and the confusion table."""
from __future__ import annotations

from flask import Blueprint, render_template

from gallery.auth import current_user, login_required, require_role
from gallery.grading import ASSESSED_EXPRESSION, GRADES, MIN_GRADED_PHOTOS
from gallery.photos.grades import fitted_calibrations
from gallery.regions import REGION_LABELS
from landmarks.wrinkles import MEASUREMENT_STANDARD

bp = Blueprint("calibration", __name__)


@bp.get("/admin/grade-calibration")
@login_required
def index() -> str:
    user = require_role(current_user(), "admin", "Only an admin reads the grade calibration.")
    fitted = fitted_calibrations(user.clinic_id)
    rows = [{"label": label, "expression": ASSESSED_EXPRESSION[region], "graded": fitted[region].graded,
             "grades_seen": fitted[region].grades_seen, "calibration": fitted[region].calibration}
            for region, label in REGION_LABELS.items()]
    return render_template("calibration/index.html", rows=rows, grades=GRADES, min_graded=MIN_GRADED_PHOTOS,
                           standard=MEASUREMENT_STANDARD)
