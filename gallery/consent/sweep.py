"""The withdrawal sweep: everywhere a patient's photos went, ended where the app can end it.

Withdrawing ``portal`` revokes the share links and ends the patient's portal sessions,
withdrawing ``marketing`` takes the cases out of the gallery: the app controls those.
Files staff downloaded (comparison
PNGs, originals, visit reports, data exports) are outside it; the sweep lists them,
who took them and when, as a checklist kept with the withdrawal record so the clinic
can ask for those copies back.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gallery import audit
from gallery.auditlog.words import readable
from gallery.auth import end_patient_sessions
from gallery.db import get_db
from gallery.models import AuditEvent, Comparison, Photo, ShareLink, Visit, utcnow

SWEPT_SCOPES = ("portal", "marketing")
EXPORT_WORDS = {"comparison": "comparison image (PNG)", "photo": "original photo", "visit": "visit report (PDF)",
                "patient": "copy of the records (ZIP)"}


def sweep(clinic_id: int, patient_id: int, scopes: list[str], *, actor: str | None) -> dict[str, Any] | None:
    """End what ``scopes`` allowed and describe where the photos went; None when nothing is swept."""
    if not set(scopes) & set(SWEPT_SCOPES):
        return None
    db = get_db()
    now = utcnow()
    comparison_ids = list(db.scalars(select(Comparison.id).where(Comparison.patient_id == patient_id)))
    result: dict[str, Any] = {"share_links": [], "published": [], "exports": _exports(patient_id, comparison_ids)}
    if "portal" in scopes:
        end_patient_sessions(patient_id)  # a portal open on a phone closes on its next request
        for link in db.scalars(select(ShareLink).where(ShareLink.comparison_id.in_(comparison_ids))
                               .order_by(ShareLink.id)):
            if link.revoked_at is None and link.expires_at > now:
                state = "revoked now"
                link.revoked_at = now
                audit.record("revoke_share", "comparison", link.comparison_id, clinic_id=clinic_id, actor=actor)
            else:
                state = "already revoked" if link.revoked_at else "already expired"
            result["share_links"].append({"comparison_id": link.comparison_id, "created_at": _iso(link.created_at),
                                          "expires_at": _iso(link.expires_at), "state": state})
    if "marketing" in scopes:
        for comparison in db.scalars(select(Comparison).where(Comparison.id.in_(comparison_ids),
                                                              Comparison.published_at.is_not(None))):
            result["published"].append({"comparison_id": comparison.id, "published_at": _iso(comparison.published_at),
                                        "state": "unpublished now"})
            comparison.published_at = comparison.public_image_sha256 = None
            audit.record("unpublish", "comparison", comparison.id, clinic_id=clinic_id, actor=actor)
    return result


def _exports(patient_id: int, comparison_ids: list[int]) -> list[dict[str, Any]]:
    """Every file of this patient staff took out of the app, oldest first: the checklist."""
    db = get_db()
    owned = {"comparison": comparison_ids,
             "photo": list(db.scalars(select(Photo.id).where(Photo.patient_id == patient_id))),
             "visit": list(db.scalars(select(Visit.id).where(Visit.patient_id == patient_id))),
             "patient": [patient_id]}
    events = [event for kind, ids in owned.items() if ids
              for event in db.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                               AuditEvent.object_type == kind,
                                                               AuditEvent.object_id.in_(ids)))]
    return [{"what": EXPORT_WORDS[row.event.object_type], "object_type": row.event.object_type,
             "object_id": row.event.object_id, "by": row.who, "at": _iso(row.event.at)}
            for row in readable(sorted(events, key=lambda e: (e.at, e.id)))]


def _iso(moment: Any) -> str:
    return moment.isoformat() + "Z"
