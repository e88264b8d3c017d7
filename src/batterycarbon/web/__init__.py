"""Server-rendered web interface (Jinja2): a thin adapter over ``services/``.

``create_app`` includes :data:`router`; pages read the signed session cookie, call services and
render templates. Charts use the plotly.js bundled with the installed ``plotly`` package.
Modules: :mod:`.pages` (sign-in, dashboards, reference designs, factors), :mod:`.factor_diff`
(two releases compared), :mod:`.editor`,
:mod:`.products` (history, uncertainty, Sankey), :mod:`.declarations` (EU declaration and
passport data of a calculation), :mod:`.scenarios`,
:mod:`.suppliers` (upload, grants, requests), :mod:`.verification` (review, oversight),
:mod:`.jobs` (portfolio recomputation in the background, a job's progress), :mod:`.passports`
(the public passport page ``/p/{id}``), :mod:`.account` (changing one's password).
"""

from fastapi import APIRouter

from batterycarbon.web import (
    account,
    declarations,
    editor,
    factor_diff,
    jobs,
    pages,
    passports,
    products,
    scenarios,
    suppliers,
    verification,
)

#: The page modules, each with its own ``router``.
PAGE_MODULES = (
    pages,
    factor_diff,
    editor,
    products,
    declarations,
    passports,
    scenarios,
    suppliers,
    verification,
    jobs,
    account,
)
router = APIRouter(include_in_schema=False)
for module in PAGE_MODULES:
    router.include_router(module.router)

__all__ = ["PAGE_MODULES", "router"]
