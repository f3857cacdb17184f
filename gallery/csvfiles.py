"""CSV files the app hands out: the audit log, a recall's patient list, progress figures."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A CSV attachment (not cached: the security headers mark every CSV ``no-store``)."""
    response = Response(csv_text(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
