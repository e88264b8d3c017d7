"""The emission factor and its provenance.

A factor is a cradle-to-gate (or per-service) greenhouse-gas intensity with the unit it is
expressed in, the region and reference year it represents, the source it comes from, its
data-quality rating after the EU PEF method and an uncertainty distribution. Its scope (what part
of the life cycle it covers: cradle-to-gate, direct combustion, life-cycle consumption ...) is its
source's ``scope``: a controlled term of :data:`SCOPE_TERMS` plus detail.

References
----------
European Commission (2021). Recommendation (EU) 2021/2279, Annex I (PEF method), section 4.6.5:
data-quality rating DQR = (TeR + GeR + TiR + P) / 4, each criterion rated 1 (excellent) to 5.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from batterycarbon.errors import excerpt
from batterycarbon.units import parse_unit, ureg

ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+\Z")
FLOW_PATTERN = re.compile(r"^[a-z0-9_]+\Z")
REGION_PATTERN = re.compile(r"^([A-Z]{2}|EU27|EUROPE|GLO|RER|RoW)\Z")


#: The controlled terms a source's ``scope`` begins with (docs/factor-format.md, "Scope"):
#: what part of the life cycle its figures cover. Free text after the term gives the detail,
#: e.g. ``"life-cycle consumption; medium voltage, HV->MV losses, imports excluded"``.
SCOPE_TERMS: dict[str, str] = {
    "cradle-to-gate": "from resource extraction to the producer's gate, upstream supply chain "
    "included",
    "gate-to-gate": "the process at its site only (its energy use and/or direct emissions), no "
    "upstream materials",
    "scope 1+2": "a producer's direct emissions and purchased energy, no upstream materials or "
    "fuel chain",
    "direct combustion": "emissions of burning the fuel only, no upstream fuel chain",
    "life-cycle generation": "per kWh generated: fuel chain, plant construction and operation, "
    "no grid losses",
    "life-cycle consumption": "per kWh delivered to the consumer: life-cycle generation plus "
    "grid losses",
    "life-cycle": "the whole life cycle of a product or service (the detail says which stages)",
    "well-to-wheel": "transport service including fuel production",
    "tank-to-wheel": "transport service, fuel combustion only",
    "end-of-life": "waste treatment (landfill, incineration, recycling process)",
    "input data": "the source gives activity data or parameters (generation shares, losses, "
    "energy use), not an emission factor; the rows built on it state their scope",
}
#: What a factor of a source without ``scope`` (releases older than open-2026.1) shows.
SCOPE_NOT_STATED = "not stated"


def scope_term(scope: str) -> str | None:
    """The controlled term ``scope`` begins with (the longest that fits), else ``None``.

    The term must be followed by the end of the text or by a character that is not a letter,
    digit or hyphen: ``"gate-to-gate process energy"`` is ``gate-to-gate``,
    ``"life-cycle, consumption mix"`` is ``life-cycle``.
    """
    text = scope.strip().lower()
    for term in sorted(SCOPE_TERMS, key=len, reverse=True):
        if text.startswith(term):
            rest = text[len(term) :]
            if not rest or not (rest[0].isalnum() or rest[0] == "-"):
                return term
    return None


class Source(BaseModel):
    """A citation: publication or data set a factor comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    citation: str = Field(min_length=10)
    url: str | None = None
    year: int | None = None
    licence: str | None = None
    notes: str | None = None
    used_for: str | None = None  # which rows of the release rely on it
    copy_url: str | None = None  # where the copy actually read can be obtained
    # What its figures cover: a term of SCOPE_TERMS, then free detail. Optional so that the
    # immutable releases written before it (open-2024.1, whitepaper-2023) still load.
    scope: str | None = Field(default=None, min_length=3, max_length=500)

    @field_validator("scope")
    @classmethod
    def _scope_term(cls, text: str | None) -> str | None:
        if text is not None and scope_term(text) is None:
            terms = ", ".join(SCOPE_TERMS)
            raise ValueError(f"scope {excerpt(text)} must begin with one of: {terms}")
        return text

    @model_serializer(mode="wrap")
    def _omit_unstated_scope(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # A source without scope serializes as before the field existed, so that the content
        # digest of the releases written then (services/factor_releases.py) is unchanged.
        data: dict[str, object] = handler(self)
        if self.scope is None:
            data.pop("scope", None)
        return data


class DataQuality(BaseModel):
    """PEF data-quality criteria, each 1 (excellent) to 5 (very poor)."""

    model_config = ConfigDict(frozen=True)

    technological: int = Field(ge=1, le=5)
    geographical: int = Field(ge=1, le=5)
    time: int = Field(ge=1, le=5)
    precision: int = Field(ge=1, le=5)

    @property
    def dqr(self) -> float:
        """Overall DQR as the PEF method averages it (1 best, 5 worst)."""
        return (self.technological + self.geographical + self.time + self.precision) / 4


class Uncertainty(BaseModel):
    """A distribution around the factor's value.

    ``lognormal``: geometric SD (the value is the median); ``triangular``: min, mode, max;
    ``uniform``: min, max; ``normal``: min and max are the 95 % interval (sd = (max - min) / 3.92)
    around the value.
    """

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    distribution: Literal["lognormal", "triangular", "uniform", "normal"]
    gsd: float | None = Field(default=None, gt=1.0)
    minimum: float | None = None
    mode: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _parameters_match_distribution(self) -> Uncertainty:
        if self.distribution == "lognormal" and self.gsd is None:
            raise ValueError("distribution 'lognormal' needs gsd (a number > 1)")
        if self.distribution == "triangular":
            if self.minimum is None or self.mode is None or self.maximum is None:
                raise ValueError("distribution 'triangular' needs min, mode and max")
            if not self.minimum <= self.mode <= self.maximum:
                raise ValueError(
                    f"triangular needs min <= mode <= max, got "
                    f"{self.minimum} / {self.mode} / {self.maximum}"
                )
        if self.distribution in ("uniform", "normal") and (
            self.minimum is None or self.maximum is None or not self.minimum < self.maximum
        ):
            raise ValueError(f"distribution {self.distribution!r} needs min < max")
        return self


class Factor(BaseModel):
    """One emission factor row of a release."""

    # A release file's NaN or inf (CSV "nan", TOML nan/inf) is refused like any bad value.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    id: str
    flow: str
    name: str = Field(min_length=1)
    value: float = Field(ge=0)
    unit: str
    region: str
    year: int = Field(ge=1990, le=2100)
    source: Source
    quality: DataQuality
    uncertainty: Uncertainty | None = None  # None: derived from the rating (see pedigree.py)
    notes: str = ""

    @field_validator("id")
    @classmethod
    def _identifier(cls, text: str) -> str:
        if not ID_PATTERN.match(text):
            raise ValueError(f"id {text!r} may contain only letters, digits and _ . : -")
        return text

    @field_validator("flow")
    @classmethod
    def _flow(cls, text: str) -> str:
        if not FLOW_PATTERN.match(text):
            raise ValueError(f"flow {text!r} may contain only lower-case letters, digits and _")
        return text

    @field_validator("region")
    @classmethod
    def _region(cls, text: str) -> str:
        if not REGION_PATTERN.match(text):
            raise ValueError(
                f"region {text!r} must be an ISO 3166 alpha-2 code or one of EU27, EUROPE, GLO, "
                "RER, RoW"
            )
        return text

    @field_validator("unit")
    @classmethod
    def _unit(cls, text: str) -> str:
        unit = parse_unit(text)
        if ureg.Quantity(1.0, unit).dimensionality.get("[carbon_dioxide_equivalent]") != 1:
            raise ValueError(f"unit {text!r} must be a CO2e intensity such as 'kg CO2e / kg'")
        return text

    @property
    def scope(self) -> str:
        """What the factor covers, from its source (``not stated`` where the source omits it)."""
        return self.source.scope or SCOPE_NOT_STATED

    @property
    def scope_term(self) -> str:
        """The controlled term of :attr:`scope` (``not stated`` where the source omits it)."""
        return scope_term(self.source.scope or "") or SCOPE_NOT_STATED

    def value_in(self, unit: str) -> float:
        """The value converted to ``unit``; ``ValueError`` naming this factor if impossible."""
        try:
            return float(ureg.Quantity(self.value, parse_unit(self.unit)).to(parse_unit(unit)).m)
        except Exception as exc:
            raise ValueError(
                f"factor {self.id!r} is in {self.unit!r}, which does not convert to {unit!r}"
            ) from exc


class Fit(BaseModel):
    """Factors whose value was set so that the model reproduces published figures.

    A fitted value was not read in a source: it is no evidence for the figures it was fitted to
    (``figures``: keys of the white-paper reproduction report, ``docs/whitepaper-reproduction.md``)
    and any result resting on it says so. ``how`` tells what was fitted, in words.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    factors: tuple[str, ...] = Field(min_length=1)
    figures: tuple[str, ...] = Field(min_length=1)
    how: str = Field(min_length=10)

    @field_validator("figures")
    @classmethod
    def _figure_keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for key in keys:
            if not ID_PATTERN.match(key):
                raise ValueError(
                    f"figure {excerpt(key)} may contain only letters, digits and _ . : -"
                )
        return keys


class PinnedParameter(BaseModel):
    """A product-model default this release sets to its own value (``[[model_parameters]]``).

    ``file`` is a data file of the model (``battery/data/*.toml``, e.g. ``defaults.toml``), ``key`` the
    dotted path of the parameter in it (``production_energy.cell_dry_room_kwh_per_kwh``,
    ``chemistry.NCM811.calcination_electricity_kwh_per_kg_cam``). A release that reproduces a
    study pins the parameters that study implies, so that the open defaults can follow newer
    sources without moving the reproduction; ``figures`` names what a value was fitted to.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str = Field(pattern=r"^[a-z0-9_]{1,60}\.toml$")
    key: str = Field(min_length=3, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")
    value: float = Field(allow_inf_nan=False)
    source: str = Field(min_length=10, max_length=2000)
    figures: tuple[str, ...] = ()


#: The IPCC assessment report whose 100-year GWPs a source's CO2e figures use (``AR4``,
#: ``AR5``, ``AR6``); ``CO2-only`` for a source that counts carbon dioxide alone (no
#: characterization factor involved); ``unknown`` where the source does not say.
GwpBasis = Literal["AR4", "AR5", "AR6", "CO2-only", "unknown"]


class Release(BaseModel):
    """An immutable, validated set of factors with its sources and its fitted factors."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    published: date
    description: str = ""
    supersedes: str | None = None
    factors: dict[str, Factor]
    sources: dict[str, Source]
    fitted: tuple[Fit, ...] = ()  # release.toml's [[fitted]]
    # release.toml's [gwp_basis]: source id -> the GWP basis its source notes state; a source
    # not listed is "unknown". Kept beside the factors so that their content digest is unchanged.
    gwp_basis: dict[str, GwpBasis] = {}
    # release.toml's [[model_parameters]]: product-model defaults this release pins.
    model_parameters: tuple[PinnedParameter, ...] = ()
    # release.toml's ``sourcing``: "markets" buys the commodities of battery/data/sourcing.toml
    # from their market mixes (route factors by share); "single-route" (releases before
    # open-2026.1) buys each as one flow at the buying plant (battery.sourcing).
    sourcing: Literal["single-route", "markets"] = "single-route"

    @model_validator(mode="after")
    def _fitted_factors_exist_once(self) -> Release:
        seen: set[str] = set()
        for index, fit in enumerate(self.fitted):
            for factor_id in fit.factors:
                where = f"fitted.{index}.factors: {excerpt(factor_id)}"
                if factor_id not in self.factors:
                    raise ValueError(f"{where} is not a factor of this release")
                if factor_id in seen:
                    raise ValueError(f"{where} is marked twice")
                seen.add(factor_id)
        return self

    @model_validator(mode="after")
    def _gwp_basis_names_sources(self) -> Release:
        for source_id in self.gwp_basis:
            if source_id not in self.sources:
                raise ValueError(f"gwp_basis: {excerpt(source_id)} is not a source of this release")
        return self

    def gwp_basis_of(self, factor_id: str) -> GwpBasis:
        """The GWP basis of factor ``factor_id``'s source (``unknown`` where not stated)."""
        return self.gwp_basis.get(self.factors[factor_id].source.id, "unknown")

    @property
    def fitted_ids(self) -> frozenset[str]:
        """Ids of the factors fitted to a published figure."""
        return frozenset(factor_id for fit in self.fitted for factor_id in fit.factors)

    def fit_of(self, factor_id: str) -> Fit | None:
        """What ``factor_id`` was fitted to, or ``None`` for a factor taken from its source."""
        return next((fit for fit in self.fitted if factor_id in fit.factors), None)
