"""The progress charts over time, as SVG geometry: wrinkle index per region and expression,
and muscle movement in mm per muscle (issue 30: its return after a treatment is the
duration of effect).

Built on the server (no chart library, nothing run in the browser): the
template draws what this returns. Treatments are vertical marks, so the
return of lines months after a treatment shows as the rise after a mark.
Only indices of one measurement method and standard are joined into a line:
a series breaks where the method changed, and that day gets a mark.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gallery.models import Patient
from gallery.movement.kept import EXPRESSION_MUSCLES, headline
from gallery.movement.service import movement_of, patient_movements

# Margins in SVG units; the top one holds the vertical axis's title ("deeper lines ↑").
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 36, 40


@dataclass(frozen=True)
class Layout:
    """A chart's drawing size in SVG units and how much text it carries.

    The wide layout suits a desk screen; the narrow one is drawn for a phone, where
    the SVG is scaled to about 320 CSS px: fewer labels at the stylesheet's 14-unit
    text keep it at 12 CSS px or more instead of shrinking the wide chart until it
    cannot be read.
    """
    name: str
    width: int
    height: int
    y_ticks: int
    min_label_gap: int  # SVG units between two date labels' anchors (a label is about 72 wide)


WIDE = Layout("wide", 720, 280, 5, 110)
NARROW = Layout("narrow", 340, 240, 3, 110)


@dataclass(frozen=True)
class Series:
    """One line: ``key`` is the region (wrinkle chart) or the muscle (movement chart)."""

    key: str
    expression: str
    points: list[tuple[float, float, date, float]]  # x, y, day, index

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in self.points)


@dataclass(frozen=True)
class Chart:
    layout: Layout
    series: list[Series]
    treatments: list[tuple[float, date]]
    method_changes: list[tuple[float, date]]
    y_ticks: list[tuple[float, float]]
    x_ticks: list[tuple[float, str, str]]  # x, label, text-anchor

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_top(self) -> int:
        return TOP

    @property
    def plot_bottom(self) -> int:
        return self.layout.height - BOTTOM

    @property
    def plot_right(self) -> int:
        return self.layout.width - RIGHT


def progress_charts(patient: Patient) -> list[Chart]:
    """The wide and the narrow chart (the page shows the one that fits); empty until there is a trend."""
    charts = [progress_chart(patient, layout) for layout in (WIDE, NARROW)]
    return [chart for chart in charts if chart is not None]


def movement_charts(patient: Patient) -> list[Chart]:
    """Movement per muscle over visits, wide and narrow; empty until two visits are measured.

    Each muscle's headline figure (``gallery.movement.kept.HEADLINES``) at each visit;
    a line breaks where the movement method changed."""
    samples = [(visit.visit_date, record.expression, muscle, figure.value_mm, f"v{record.method_version}")
               for visit, records in patient_movements(patient) for record in records.values()
               for muscle in EXPRESSION_MUSCLES[record.expression]
               if (figure := headline(movement_of(record), muscle)).value_mm is not None]
    charts = [_draw(samples, _treated_days(patient), layout) for layout in (WIDE, NARROW)]
    return [chart for chart in charts if chart is not None]


def _treated_days(patient: Patient) -> list[date]:
    return sorted(v.visit_date for v in patient.visits if v.treated)


def progress_chart(patient: Patient, layout: Layout = WIDE) -> Chart | None:
    """None until the patient has measured photos on two different days."""
    samples = [(photo.taken_at.date(), photo.expression, name, value,
                photo.summary.get("measurement_standard") or f"v{photo.analysis_version}")
               for photo in patient.photos
               for name, value in (photo.summary.get("indices") or {}).items()
               if value is not None]
    return _draw(samples, _treated_days(patient), layout)


def _draw(samples: list[tuple[date, str, str, float, str]], treated: list[date], layout: Layout) -> Chart | None:
    """The chart of (day, expression, key, value, method) samples; None unless on two days.
    The value axis starts at 0, or lower when a value is negative (a movement can be)."""
    days = sorted({s[0] for s in samples})
    if len(days) < 2:
        return None
    first, last = min(days + treated), max(days + treated)
    span = max((last - first).days, 1)
    top_value = max(s[3] for s in samples) * 1.1 or 1.0
    low_value = min(0.0, min(s[3] for s in samples) * 1.1)
    width, height = layout.width, layout.height
    x = lambda day: LEFT + (day - first).days / span * (width - LEFT - RIGHT)  # noqa: E731
    y = lambda value: TOP + (1 - (value - low_value) / (top_value - low_value)) * (height - TOP - BOTTOM)  # noqa: E731
    grouped: dict[tuple[str, str, str], list[tuple[date, float]]] = {}
    for day, expression, name, value, standard in samples:
        grouped.setdefault((name, expression, standard), []).append((day, value))
    series = [Series(name, expression, [(x(d), y(v), d, v) for d, v in sorted(values)])
              for (name, expression, _), values in sorted(grouped.items())]
    by_day = sorted({(day, standard) for day, *_, standard in samples})
    changes = [day for (_, before), (day, after) in zip(by_day, by_day[1:]) if before != after]
    steps = layout.y_ticks - 1
    ticks = [low_value + (top_value - low_value) * i / steps for i in range(layout.y_ticks)]
    y_ticks = [(y(value), round(value, 1) if abs(value) >= 0.05 else 0.0) for value in ticks]
    return Chart(layout=layout, series=series, treatments=[(x(d), d) for d in treated],
                 method_changes=[(x(d), d) for d in changes], y_ticks=y_ticks,
                 x_ticks=_date_labels([(x(d), d) for d in days], layout))


def _date_labels(days: list[tuple[float, date]], layout: Layout) -> list[tuple[float, str, str]]:
    """Labels for the photo days that fit without overlapping: always the first and the last."""
    kept: list[tuple[float, date]] = []
    for position, day in days:
        if not kept or position - kept[-1][0] >= layout.min_label_gap:
            kept.append((position, day))
    if kept[-1][1] != days[-1][1]:
        if len(kept) > 1 and days[-1][0] - kept[-1][0] < layout.min_label_gap:
            kept.pop()
        kept.append(days[-1])
    labels = []
    for index, (position, day) in enumerate(kept):
        anchor = "start" if index == 0 else "end" if index == len(kept) - 1 else "middle"
        labels.append((position, day.strftime("%d %b %y"), anchor))
    return labels
