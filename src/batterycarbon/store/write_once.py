"""Write-once records: the ORM refuses to change or delete them once stored.

A model decorated with :func:`write_once` (audit events, calculations, issued declarations,
passports, performance-class tables) may change only the columns it names as mutable (a
passport's ``status``, a class table's ``is_active``); any other change, and every delete,
raises :class:`ImmutableRecordError` when the session flushes, so the transaction stores nothing.
Collections (a calculation's ``datasets_used``) are rows of their own tables and are not
checked here. Database triggers from the migrations refuse the same for SQL written by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect

Model = TypeVar("Model", bound=type[Any])

#: Every write-once model and the columns it may still change.
WRITE_ONCE: dict[type[Any], frozenset[str]] = {}


class ImmutableRecordError(RuntimeError):
    """Code tried to change or delete a record that is written once (audit event, calculation)."""


def write_once(*mutable: str) -> Callable[[Model], Model]:
    """Class decorator: refuse, at flush time, every update of a column not in ``mutable`` and
    every delete of the model's rows."""

    def register(model: Model) -> Model:
        allowed = frozenset(mutable)
        WRITE_ONCE[model] = allowed
        event.listen(model, "before_update", _refuse_update(allowed))
        event.listen(model, "before_delete", _refuse_delete)
        return model

    return register


def _refuse_update(mutable: frozenset[str]) -> Callable[[Any, Any, Any], None]:
    def refuse(mapper: Any, connection: Any, target: Any) -> None:
        state = sa_inspect(target)
        changed = sorted(
            attr.key
            for attr in state.attrs
            if attr.key not in mutable
            and not getattr(state.mapper.attrs[attr.key], "uselist", False)
            and attr.history.has_changes()
        )
        if changed:
            raise ImmutableRecordError(
                f"{type(target).__name__} {target.id} is write-once (changed: {', '.join(changed)})"
            )

    return refuse


def _refuse_delete(mapper: Any, connection: Any, target: Any) -> None:
    raise ImmutableRecordError(
        f"{type(target).__name__} {target.id} is write-once: it is never deleted"
    )
