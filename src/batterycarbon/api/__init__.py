"""The REST API (FastAPI): an adapter over :mod:`batterycarbon.services`; no business rule here.

``create_app()`` builds the application; ``serve()`` runs it with uvicorn.
"""

from batterycarbon.api.app import create_app, serve

__all__ = ["create_app", "serve"]
