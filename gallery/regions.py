"""The treatment regions' names as people read them: pages, reports, exports and public images."""
from __future__ import annotations

REGION_LABELS = {
    "forehead": "Forehead lines",
    "glabella": "Frown lines (glabella)",
    "crows_feet_right": "Crow's feet (patient's right)",
    "crows_feet_left": "Crow's feet (patient's left)",
}
SHORT_LABELS = {"forehead": "Forehead", "glabella": "Glabella", "crows_feet_right": "Crow's feet R",
                "crows_feet_left": "Crow's feet L"}
