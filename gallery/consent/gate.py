"""The consent gate: the one place every non-staff view of a photo passes through.

Portal pages, share links, the public gallery and their images all call
``require`` with the scope their use needs, at request time, before any
photo data is read. ``private_image`` builds their image responses: never
stored by any cache, so a withdrawal is honoured on the very next request.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Response

from gallery.consent.records import EffectiveConsent, effective_consent, effective_consents
from gallery.errors import NotFound

# What each non-staff use requires.
USE_SCOPE = {"portal": "portal", "share_link": "portal", "public": "marketing", "education": "education"}


def require(patient_id: int, use: str) -> EffectiveConsent:
    """The patient's effective consent, if it allows ``use``; else "not found".

    Refusals look exactly like a missing record, so nobody learns from a link
    that a photo exists but is not consented.
    """
    consent = effective_consent(patient_id)
    if not consent.allows(USE_SCOPE[use]):
        raise NotFound("This is not available.")
    return consent


def permitted(patient_ids: Iterable[int], use: str) -> set[int]:
    """The patients among ``patient_ids`` whose consent allows ``use`` now, in two queries."""
    return {patient_id for patient_id, consent in effective_consents(patient_ids).items()
            if consent.allows(USE_SCOPE[use])}


def private_image(data: bytes, mimetype: str) -> Response:
    """An image response for a non-staff viewer: never cached anywhere."""
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response
