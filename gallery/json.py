"""Flask's JSON reading, with too-deep nesting refused like any malformed body."""
from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class GalleryJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # A ValueError is what request.get_json() treats as malformed (silent: None; else 400).
            raise ValueError("The JSON body is nested too deeply.") from None
