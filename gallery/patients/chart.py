"""The progress chart: wrinkle index per region and expression over time, as SVG geometry.

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

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


@dataclass(frozen=True)
class Series:
    region: str
    expression: str
    points: list[tuple[float, float, date, float]]  # x, y, day, index

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in self.points)


@dataclass(frozen=True)
class Chart:
    series: list[Series]
    treatments: list[tuple[float, date]]
    method_changes: list[tuple[float, date]]
    y_ticks: list[tuple[float, float]]
    x_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT


def progress_chart(patient: Patient) -> Chart | None:
    """None until the patient has measured photos on two different days."""
    samples = [(photo.taken_at.date(), photo.expression, name, value,
                photo.summary.get("measurement_standard") or f"v{photo.analysis_version}")
               for photo in patient.photos
               for name, value in (photo.summary.get("indices") or {}).items()
               if value is not None]
    days = sorted({s[0] for s in samples})
    if len(days) < 2:
        return None
    treated = sorted(v.visit_date for v in patient.visits if v.treated)
    first, last = min(days + treated), max(days + treated)
    span = max((last - first).days, 1)
    top_value = max(s[3] for s in samples) * 1.1 or 1.0
    x = lambda day: LEFT + (day - first).days / span * (WIDTH - LEFT - RIGHT)  # noqa: E731
    y = lambda value: TOP + (1 - value / top_value) * (HEIGHT - TOP - BOTTOM)  # noqa: E731
    grouped: dict[tuple[str, str, str], list[tuple[date, float]]] = {}
    for day, expression, name, value, standard in samples:
        grouped.setdefault((name, expression, standard), []).append((day, value))
    series = [Series(name, expression, [(x(d), y(v), d, v) for d, v in sorted(values)])
              for (name, expression, _), values in sorted(grouped.items())]
    by_day = sorted({(day, standard) for day, *_, standard in samples})
    changes = [day for (_, before), (day, after) in zip(by_day, by_day[1:]) if before != after]
    y_ticks = [(y(top_value * i / 4), round(top_value * i / 4, 1)) for i in range(5)]
    x_ticks = [(x(d), d.strftime("%d %b %y")) for d in days]
    return Chart(series=series, treatments=[(x(d), d) for d in treated],
                 method_changes=[(x(d), d) for d in changes], y_ticks=y_ticks, x_ticks=x_ticks)
