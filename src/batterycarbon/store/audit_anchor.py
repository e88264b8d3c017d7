"""The audit chain's head kept outside the database: deleting the newest events is detected.

The hash chain shows any change to an event and any event removed from the middle, but someone
who can write the database could delete the newest events and leave a shorter chain that still
verifies. So after every commit that appended events, the newest (seq, hash) is written to an
anchor file outside the database; ``batterycarbon audit verify`` checks that the chain still
reaches that event with that hash.

Where: ``$BATTERYCARBON_AUDIT_ANCHOR_DIR`` if set (one file per database, named after its host,
port and name, or its SQLite path); else, for a SQLite file, beside it
(``<file>.audit-anchor.json``), and for PostgreSQL in ``<user data dir>/audit-anchors/``. An
in-memory SQLite database has none. Whoever deliberately empties a database deletes its anchor
too (:func:`remove_anchor`). Keep that directory
on other storage (or copy the file elsewhere) than the database for the check to mean more.

Writes are atomic (temporary file, ``os.replace``), serialized between processes by an
exclusive ``flock`` on a lock file, and never move the head backwards (a slower process that
committed an older event does not overwrite a newer head). A crash between the database commit
and the file write leaves the anchor *behind* the chain, which verification reports as
``anchor_lag`` (not tampering); an anchor *ahead* of the chain, or whose event has another hash,
is tampering. A chain with events but no anchor file fails verification too
(:func:`missing_anchor_problem`): removing the anchor with the newest events would otherwise
hide their deletion.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

ANCHOR_DIR_ENV = "BATTERYCARBON_AUDIT_ANCHOR_DIR"
#: ``session.info`` key holding (seq, hash) of the newest event appended in the transaction.
PENDING_HEAD = "batterycarbon.audit_head"


@dataclass(frozen=True)
class HeadAnchor:
    seq: int
    hash: str


def anchor_path(url: URL | str) -> Path | None:
    """The anchor file of the database at ``url`` (``None`` for in-memory SQLite)."""
    parsed = make_url(url) if isinstance(url, str) else url
    configured = os.environ.get(ANCHOR_DIR_ENV)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return None
        database = Path(parsed.database).resolve()
        if not configured:
            return database.with_name(database.name + ".audit-anchor.json")
        identity = f"sqlite:{database}"
    else:
        identity = f"{parsed.get_backend_name()}:{parsed.host}:{parsed.port}:{parsed.database}"
    folder = Path(configured or Path(user_data_dir("batterycarbon", appauthor=False)) / "audit-anchors")  # fmt: skip
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", identity)[-80:]
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return folder / f"{readable}-{digest}.json"


def read_anchor(path: Path | None) -> HeadAnchor | None:
    """The anchored head, or ``None`` if there is no anchor file (yet)."""
    if path is None or not path.exists():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    return HeadAnchor(seq=int(document["seq"]), hash=str(document["hash"]))


def write_anchor(path: Path, head: HeadAnchor) -> None:
    """Record ``head`` unless the file already holds a later one (atomic, process-safe)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read_anchor(path)
        if current is not None and current.seq >= head.seq:
            return
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"seq": head.seq, "hash": head.hash}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def remove_anchor(url: URL | str) -> None:
    """Delete the anchor of a database that is itself being dropped (test databases)."""
    path = anchor_path(url)
    if path is not None:
        for leftover in (path, path.with_suffix(".lock")):
            leftover.unlink(missing_ok=True)


def note_appended(session: Session, seq: int, hash_: str) -> None:
    """Remember the newest event of this transaction; written to the anchor after commit."""
    session.info[PENDING_HEAD] = HeadAnchor(seq=seq, hash=hash_)


def after_commit(session: Session) -> None:
    head = session.info.pop(PENDING_HEAD, None)
    if head is None:
        return
    path = anchor_path(session.get_bind().engine.url)
    if path is not None:
        write_anchor(path, head)


def after_rollback(session: Session) -> None:
    session.info.pop(PENDING_HEAD, None)


def missing_anchor_problem(path: Path, events: int) -> str:
    """Why a chain of ``events`` events (at least one) whose anchor file ``path`` is absent
    cannot be verified: every commit that appends events writes the anchor, so its absence
    means it was deleted, not carried over with the database, or looked for in another place;
    the chain alone cannot tell whether its newest events were deleted with it."""
    return (
        f"the chain has {events} events but its head anchor {path} is missing, so deleted "
        f"newest events would go unnoticed; put the anchor file back (or point "
        f"{ANCHOR_DIR_ENV} to the folder holding it)"
    )


def anchor_problem(anchor: HeadAnchor | None, event_hash_at: Any, head_seq: int) -> str | None:
    """Why the chain (whose newest event is ``head_seq``) contradicts ``anchor``, if it does;
    ``event_hash_at(seq)`` is the stored hash of event ``seq`` (``None`` if absent)."""
    if anchor is None:
        return None
    if anchor.seq > head_seq:
        return f"the chain ends at event {head_seq} but its anchor recorded event {anchor.seq}: the newest events were deleted"  # fmt: skip
    if event_hash_at(anchor.seq) != anchor.hash:
        return f"event {anchor.seq} does not have the hash its anchor recorded: the chain was rewritten"  # fmt: skip
    return None
