"""The supply chain the service tests act in (imported by conftest and tests)."""

from __future__ import annotations

from dataclasses import dataclass

from batterycarbon.services import Actor

PASSWORD = "correct horse battery staple"  # test-only credential


@dataclass
class Chain:
    """One actor per role of the supply chain, each in its own organization."""

    admin: Actor
    cam_maker: Actor
    other_supplier: Actor
    cell_maker: Actor
    verifier: Actor
    regulator: Actor
