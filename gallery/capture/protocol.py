"""The visit protocol: the standard views a clinic takes at every visit.

The same views every visit is what makes two visits comparable. An admin sets
each (view, expression) as required, optional or not used; the capture page
steps through them and the timeline lists the required ones a visit lacks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gallery.errors import InvalidInput
from gallery.models import EXPRESSIONS, VIEWS, Clinic, Visit

VIEW_LABELS = {"front": "Front", "left45": "45° to the patient's left", "right45": "45° to the patient's right"}
EXPRESSION_LABELS = {"rest": "at rest", "frown": "frown", "raise": "raised brows", "smile": "smile"}


@dataclass(frozen=True)
class Step:
    view: str
    expression: str
    optional: bool = False

    @property
    def key(self) -> str:
        return f"{self.view}-{self.expression}"

    @property
    def label(self) -> str:
        return f"{VIEW_LABELS[self.view]}, {EXPRESSION_LABELS[self.expression]}"


DEFAULT_PROTOCOL = (Step("front", "rest"), Step("front", "frown"), Step("front", "raise"), Step("front", "smile"),
                    Step("left45", "rest", optional=True), Step("right45", "rest", optional=True))


def clinic_protocol(clinic: Clinic) -> list[Step]:
    if clinic.capture_protocol is None:
        return list(DEFAULT_PROTOCOL)
    return [Step(s["view"], s["expression"], bool(s.get("optional"))) for s in clinic.capture_protocol]


def parse_protocol(choices: dict[str, str]) -> list[dict[str, Any]]:
    """The admin form's ``{"front-rest": "required" | "optional" | "unused", ...}`` as stored steps,
    in view then expression order."""
    steps = []
    for view in VIEWS:
        for expression in EXPRESSIONS:
            choice = choices.get(f"{view}-{expression}", "unused")
            if choice not in ("required", "optional", "unused"):
                raise InvalidInput(f"Choose required, optional or unused for {view} {expression}.")
            if choice != "unused":
                steps.append({"view": view, "expression": expression, "optional": choice == "optional"})
    if not steps:
        raise InvalidInput("A protocol needs at least one view.")
    return steps


def taken(visit: Visit) -> set[tuple[str, str]]:
    return {(photo.view, photo.expression) for photo in visit.photos}


def missing_steps(visit: Visit, protocol: list[Step]) -> list[Step]:
    """The required views this visit has no photo of."""
    done = taken(visit)
    return [step for step in protocol if not step.optional and (step.view, step.expression) not in done]
