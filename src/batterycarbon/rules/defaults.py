"""Default CFF parameters per material group, read from ``data/cff_defaults.toml``.

Each value carries its citation and whether it was checked against the cited text; a material
that belongs to no group, or a group without a default for a parameter, needs the value given
explicitly (the error says which).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.rules.cff import CffParameters, parse_cff_parameters

DEFAULTS_PATH = Path(__file__).parent / "data" / "cff_defaults.toml"
#: The parameters a material group may give a default for.
DEFAULTED = ("a", "b", "qsin_qp", "qsout_qp")


class CitedValue(BaseModel):
    """A dimensionless default with the citation it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    value: float = Field(ge=0.0, le=1.0)
    source: str = Field(min_length=1)
    checked: bool


class MaterialGroup(BaseModel):
    """Defaults shared by a group of materials (``materials`` are factor-library flow names)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str
    materials: tuple[str, ...]
    a: CitedValue
    b: CitedValue
    qsin_qp: CitedValue | None = None
    qsout_qp: CitedValue | None = None


class CffDefaults(BaseModel):
    """The bundled defaults: groups by name and the references they cite."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    references: dict[str, str]
    groups: dict[str, MaterialGroup]

    @model_validator(mode="after")
    def _each_material_in_one_group(self) -> Self:
        seen: dict[str, str] = {}
        for name, group in self.groups.items():
            for material in group.materials:
                if material in seen:
                    raise ValueError(
                        f"groups.{name}.materials: {material!r} is already in "
                        f"groups.{seen[material]}; a material takes one group's defaults"
                    )
                seen[material] = name
        return self

    def group_of(self, material: str) -> str:
        """The group whose defaults ``material`` takes (a group name is accepted as is)."""
        if material in self.groups:
            return material
        for name, group in self.groups.items():
            if material in group.materials:
                return name
        known = ", ".join(sorted(self.groups))
        raise InputError(
            "CFF defaults",
            [f"{material!r}: no default CFF parameters; give A and the Q ratios, or use a "
             f"material of the groups {known}"],
        )  # fmt: skip

    def parameters(self, material: str, **given: float) -> CffParameters:
        """CFF parameters for ``material``: the group's defaults, overridden by ``given``.

        ``given`` takes ``r1``, ``r2``, ``r3`` (default 0) and any of ``a``, ``b``,
        ``qsin_qp``, ``qsout_qp``. Raises :class:`InputError` naming a parameter that has
        neither a default nor a given value, or that is out of range.
        """
        group_name = self.group_of(material)
        group = self.groups[group_name]
        values: dict[str, float] = {}
        for name in DEFAULTED:
            cited: CitedValue | None = getattr(group, name)
            if cited is not None:
                values[name] = cited.value
        values.update(given)
        missing = [name for name in DEFAULTED if name not in values]
        if missing:
            raise InputError(
                f"CFF parameters of {material!r}",
                [f"{name}: group {group_name!r} has no default; give it explicitly"
                 for name in missing],
            )  # fmt: skip
        return parse_cff_parameters(values, f"CFF parameters of {material!r}")


class CffDefaultsError(BatteryCarbonError):
    """The bundled defaults file is malformed (a packaging or editing mistake)."""


@lru_cache(maxsize=1)
def load_cff_defaults(path: Path = DEFAULTS_PATH) -> CffDefaults:
    """Read and validate the default CFF parameters."""
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return CffDefaults.model_validate(data)
    except ValidationError as exc:
        raise CffDefaultsError(f"{path.name}: {exc}") from None
