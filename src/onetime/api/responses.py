"""The JSON response class of the API: orjson, which writes aware datetimes as RFC 3339.

FastAPI deprecated its own ORJSONResponse; this is the same few lines, kept here.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse as _StarletteJSON


class JSONResponse(_StarletteJSON):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
