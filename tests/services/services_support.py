"""The supply chain the service tests act in (imported by conftest and tests)."""

from __future__ import annotations

from dataclasses import dataclass

from batterycarbon.services import Actor

PASSWORD = "correct horse battery staple"  # test-only credential
#: Design keys buying the cathode material from the chain's "Cathode Co" at its plant in Korea.
CAM_FROM_CATHODE_CO = {
    "plants": {"cathode": "KR"},
    "supply": {"cathode_active_material": {"supplier": "Cathode Co"}},
}


@dataclass
class Chain:
    """One actor per role of the supply chain, each in its own organization."""

    admin: Actor
    cam_maker: Actor
    other_supplier: Actor
    cell_maker: Actor
    verifier: Actor
    regulator: Actor
