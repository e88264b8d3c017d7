"""Use cases: one function per use case, taking a session, an actor and validated input.

Each checks permission (:mod:`.permissions`), runs in one transaction (:func:`.context.unit_of_work`)
and appends audit events. Modules: :mod:`.accounts`, :mod:`.datasets`, :mod:`.products`,
:mod:`.calculations`, :mod:`.verifications`, :mod:`.factor_releases`, :mod:`.audit`,
:mod:`.demo` (a believable demo chain).
"""

from batterycarbon.services.context import SYSTEM, Actor
from batterycarbon.services.errors import AuthenticationError, Conflict, NotFound, PermissionDenied

__all__ = ["SYSTEM", "Actor", "AuthenticationError", "Conflict", "NotFound", "PermissionDenied"]
