"""Server-rendered web interface (Jinja2): a thin adapter over ``services/``.

``create_app`` includes :data:`router`; pages read the signed session cookie, call services and
render templates. Charts use the plotly.js bundled with the installed ``plotly`` package.
"""

from batterycarbon.web.pages import router

__all__ = ["router"]
