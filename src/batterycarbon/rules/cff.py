"""The Circular Footprint Formula (CFF) of the EU PEF method, and its cut-off counterpart.

Every function is a pure function of floats for **one kilogram of a material** in the product:
burdens ``E…`` are in kg CO2e per kg of material (``_kgco2e_per_kg``), shares ``r1, r2, r3``
and allocation factors ``a, b`` are dimensionless fractions, quality ratios ``Qs/Qp`` are
dimensionless. The full formula is the sum of four parts::

    material        (1-R1)·Ev + R1·(A·Erecycled + (1-A)·Ev·Qsin/Qp)
    recycling EoL   (1-A)·R2·(ErecyclingEoL - E*v·Qsout/Qp)
    energy          (1-B)·R3·(EER - LHV·XER,heat·ESE,heat - LHV·XER,elec·ESE,elec)
    disposal        (1-R2-R3)·ED

``A = 1`` makes the material part the cut-off (recycled-content) approach and removes the
end-of-life recycling credit; ``A = 0`` is the avoided-burden (end-of-life) approach. The PEF
method's default A values lie between 0.2 and 0.8; the models here accept any A in [0, 1] so that
both bounding cases can be computed side by side.

The cut-off counterpart (:func:`cutoff_footprint`) charges recycled content at Erecycled, gives
no credit for material or energy recovered at end of life (the recycling process belongs to the
next user of the material), keeps the incineration burden EER with the product, and charges
disposal as the CFF does.

References
----------
.. [1] Commission Recommendation (EU) 2021/2279 of 16 December 2021 on the use of the
   Environmental Footprint methods (C(2021) 9332, CELEX 32021H2279), Annex I "Product
   Environmental Footprint method", section 4.4.8 (end-of-life modelling, the Circular Footprint
   Formula and its parameters), and Annex C (default CFF parameters, published separately).
.. [2] Ardente F., Andreasi Bassi S., Peters J., Candelaresi D., Ferrara N. (JRC), "EoL
   modelling in the EF method: the Circular Footprint Formula (CFF)", A-LCA IWG SG5, UNECE,
   12 July 2023: A = 1 is the cut-off, A = 0 the avoided burden, defaults 0.2 <= A <= 0.8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from batterycarbon.errors import InputError, validation_problems

EndOfLifeMethod = Literal["excluded", "cut-off", "cff"]
RecycledContentMethod = Literal["cut-off", "cff"]


# --- the four parts of the CFF (PEF method, Annex I, section 4.4.8) -------------------------


def material_cff(
    r1: float,
    a: float,
    ev_kgco2e_per_kg: float,
    erecycled_kgco2e_per_kg: float,
    qsin_qp: float,
) -> float:
    """Material part of the CFF, kg CO2e per kg of material: virgin share plus recycled content.

    ``(1 - R1)·Ev + R1·(A·Erecycled + (1 - A)·Ev·Qsin/Qp)``

    ``r1`` is the recycled-content share of the input, ``a`` the allocation factor between the
    supplier and the user of recycled material, ``ev`` the burden of virgin material and
    ``erecycled`` that of the recycling process producing the recycled input. ``r1 = 0`` returns
    ``ev`` exactly.
    """
    return (1.0 - r1) * ev_kgco2e_per_kg + r1 * recycled_input_cff(
        a, ev_kgco2e_per_kg, erecycled_kgco2e_per_kg, qsin_qp
    )


def recycled_input_cff(
    a: float, ev_kgco2e_per_kg: float, erecycled_kgco2e_per_kg: float, qsin_qp: float
) -> float:
    """Burden of one kg of the recycled part of an input under the CFF, kg CO2e per kg.

    ``A·Erecycled + (1 - A)·Ev·Qsin/Qp``: the bracket of :func:`material_cff`, for an inventory
    that splits an input into its virgin and recycled parts (the cut-off charges ``Erecycled``).
    """
    return a * erecycled_kgco2e_per_kg + (1.0 - a) * ev_kgco2e_per_kg * qsin_qp


def recycling_eol_cff(
    r2: float,
    a: float,
    erecycling_eol_kgco2e_per_kg: float,
    ev_star_kgco2e_per_kg: float,
    qsout_qp: float,
) -> float:
    """End-of-life material recovery part of the CFF, kg CO2e per kg of material.

    ``(1 - A)·R2·(ErecyclingEoL - E*v·Qsout/Qp)``: the share ``1 - A`` of the recycling burden
    at end of life minus the credit for the virgin material it replaces (``ev_star``, E*v).
    Negative when the credit exceeds the recycling burden. ``a = 1`` returns zero.
    """
    return (1.0 - a) * r2 * (erecycling_eol_kgco2e_per_kg - ev_star_kgco2e_per_kg * qsout_qp)


def energy_recovery_cff(
    r3: float,
    b: float,
    eer_kgco2e_per_kg: float,
    lhv_mj_per_kg: float,
    xer_heat: float,
    xer_elec: float,
    ese_heat_kgco2e_per_mj: float,
    ese_elec_kgco2e_per_mj: float,
) -> float:
    """Energy-recovery part of the CFF, kg CO2e per kg of material.

    ``(1 - B)·R3·(EER - LHV·XER,heat·ESE,heat - LHV·XER,elec·ESE,elec)``: the burden of the
    energy-recovery process (``eer``) minus credits for the heat and electricity it supplies.
    ``lhv`` is the lower heating value of the material (MJ/kg), ``xer_heat`` and ``xer_elec``
    the efficiencies of heat and electricity recovery (MJ out per MJ of LHV), and ``ese_heat``,
    ``ese_elec`` the burdens of the heat and electricity substituted (kg CO2e per MJ).
    """
    credit_kgco2e_per_kg = lhv_mj_per_kg * (
        xer_heat * ese_heat_kgco2e_per_mj + xer_elec * ese_elec_kgco2e_per_mj
    )
    return (1.0 - b) * r3 * (eer_kgco2e_per_kg - credit_kgco2e_per_kg)


def disposal(r2: float, r3: float, ed_kgco2e_per_kg: float) -> float:
    """Disposal part (the same under the CFF and the cut-off), kg CO2e per kg of material.

    ``(1 - R2 - R3)·ED``: the share neither recycled nor sent to energy recovery, at the burden
    ``ed`` of its disposal (landfill, incineration without energy recovery).
    """
    return (1.0 - r2 - r3) * ed_kgco2e_per_kg


# --- the cut-off counterparts --------------------------------------------------------------


def material_cutoff(r1: float, ev_kgco2e_per_kg: float, erecycled_kgco2e_per_kg: float) -> float:
    """Material part under the cut-off, kg CO2e per kg: ``(1 - R1)·Ev + R1·Erecycled``.

    Equal to :func:`material_cff` at ``a = 1``.
    """
    return (1.0 - r1) * ev_kgco2e_per_kg + r1 * erecycled_kgco2e_per_kg


def energy_recovery_cutoff(r3: float, eer_kgco2e_per_kg: float) -> float:
    """Energy recovery under the cut-off, kg CO2e per kg: ``R3·EER``, the burden without credit.

    Not the CFF at ``b = 1`` (which would move the burden to the user of the energy).
    """
    return r3 * eer_kgco2e_per_kg


# --- parameters, burdens and the side-by-side result ---------------------------------------


class CffParameters(BaseModel):
    """The dimensionless CFF parameters of one material, validated against their ranges.

    ``a``, ``b`` allocation factors; ``r1`` recycled content of the input; ``r2`` share
    recycled at end of life; ``r3`` share sent to energy recovery; ``qsin_qp`` and ``qsout_qp``
    quality of the secondary material entering and leaving the system relative to primary
    (no higher than primary, so at most 1). ``r2 + r3`` may not exceed 1: the rest, disposed
    of, is ``1 - r2 - r3``. ``a`` and the quality ratios have no silent default: take them
    from :func:`batterycarbon.rules.defaults.load_cff_defaults` or give them. ``b = 0`` is the
    PEF method's default. See [1] section 4.4.8.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    a: float = Field(ge=0.0, le=1.0)
    b: float = Field(default=0.0, ge=0.0, le=1.0)
    r1: float = Field(default=0.0, ge=0.0, le=1.0)
    r2: float = Field(default=0.0, ge=0.0, le=1.0)
    r3: float = Field(default=0.0, ge=0.0, le=1.0)
    qsin_qp: float = Field(ge=0.0, le=1.0)
    qsout_qp: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _end_of_life_shares_add_up(self) -> Self:
        if self.r2 + self.r3 > 1.0 + 1e-12:
            raise ValueError(
                f"r2 + r3 = {self.r2 + self.r3:g}: recycled and energy-recovered shares "
                "must add up to at most 1"
            )
        return self


class CffBurdens(BaseModel):
    """The burdens the CFF combines, for one material (kg CO2e per kg unless named otherwise).

    ``ev`` virgin material; ``erecycled`` recycling process of the recycled input;
    ``erecycling_eol`` recycling process at end of life; ``ev_star`` virgin material replaced
    by the recycled output (E*v, defaults to ``ev``); ``eer`` energy-recovery process;
    ``ed`` disposal; ``lhv_mj_per_kg`` lower heating value; ``xer_heat``, ``xer_elec``
    recovery efficiencies; ``ese_heat``, ``ese_elec`` substituted heat and electricity
    (kg CO2e per MJ).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    ev_kgco2e_per_kg: float
    erecycled_kgco2e_per_kg: float = 0.0
    erecycling_eol_kgco2e_per_kg: float = 0.0
    ev_star_kgco2e_per_kg: float | None = None
    eer_kgco2e_per_kg: float = 0.0
    ed_kgco2e_per_kg: float = 0.0
    lhv_mj_per_kg: float = Field(default=0.0, ge=0.0)
    xer_heat: float = Field(default=0.0, ge=0.0, le=1.0)
    xer_elec: float = Field(default=0.0, ge=0.0, le=1.0)
    ese_heat_kgco2e_per_mj: float = 0.0
    ese_elec_kgco2e_per_mj: float = 0.0

    @property
    def replaced_virgin_kgco2e_per_kg(self) -> float:
        """E*v: the virgin material replaced at end of life (Ev unless given)."""
        if self.ev_star_kgco2e_per_kg is None:
            return self.ev_kgco2e_per_kg
        return self.ev_star_kgco2e_per_kg


@dataclass(frozen=True)
class CffBreakdown:
    """One material's footprint by CFF part, kg CO2e per kg of material."""

    material_kgco2e_per_kg: float
    recycling_eol_kgco2e_per_kg: float
    energy_recovery_kgco2e_per_kg: float
    disposal_kgco2e_per_kg: float

    @property
    def end_of_life_kgco2e_per_kg(self) -> float:
        return (
            self.recycling_eol_kgco2e_per_kg
            + self.energy_recovery_kgco2e_per_kg
            + self.disposal_kgco2e_per_kg
        )

    @property
    def total_kgco2e_per_kg(self) -> float:
        return self.material_kgco2e_per_kg + self.end_of_life_kgco2e_per_kg


def circular_footprint(params: CffParameters, burdens: CffBurdens) -> CffBreakdown:
    """The four parts of the CFF for one kg of material ([1] section 4.4.8)."""
    p, e = params, burdens
    return CffBreakdown(
        material_kgco2e_per_kg=material_cff(
            p.r1, p.a, e.ev_kgco2e_per_kg, e.erecycled_kgco2e_per_kg, p.qsin_qp
        ),
        recycling_eol_kgco2e_per_kg=recycling_eol_cff(
            p.r2, p.a, e.erecycling_eol_kgco2e_per_kg, e.replaced_virgin_kgco2e_per_kg, p.qsout_qp
        ),
        energy_recovery_kgco2e_per_kg=energy_recovery_cff(
            p.r3,
            p.b,
            e.eer_kgco2e_per_kg,
            e.lhv_mj_per_kg,
            e.xer_heat,
            e.xer_elec,
            e.ese_heat_kgco2e_per_mj,
            e.ese_elec_kgco2e_per_mj,
        ),  # fmt: skip
        disposal_kgco2e_per_kg=disposal(p.r2, p.r3, e.ed_kgco2e_per_kg),
    )


def cutoff_footprint(params: CffParameters, burdens: CffBurdens) -> CffBreakdown:
    """The cut-off counterpart of :func:`circular_footprint` (A, B and Q ratios unused)."""
    p, e = params, burdens
    return CffBreakdown(
        material_kgco2e_per_kg=material_cutoff(p.r1, e.ev_kgco2e_per_kg, e.erecycled_kgco2e_per_kg),
        recycling_eol_kgco2e_per_kg=0.0,
        energy_recovery_kgco2e_per_kg=energy_recovery_cutoff(p.r3, e.eer_kgco2e_per_kg),
        disposal_kgco2e_per_kg=disposal(p.r2, p.r3, e.ed_kgco2e_per_kg),
    )


def compare_methods(params: CffParameters, burdens: CffBurdens) -> dict[str, CffBreakdown]:
    """Cut-off and CFF side by side: ``{"cut-off": ..., "cff": ...}``."""
    return {
        "cut-off": cutoff_footprint(params, burdens),
        "cff": circular_footprint(params, burdens),
    }


def footprint_per_kg(
    params: CffParameters,
    burdens: CffBurdens,
    recycled_content_method: RecycledContentMethod,
    end_of_life: EndOfLifeMethod,
) -> CffBreakdown:
    """One material's footprint under a rule set's two choices, kg CO2e per kg of material.

    The material part follows ``recycled_content_method``; the end-of-life parts follow
    ``end_of_life`` and are zero when it is ``"excluded"`` (a cradle-to-gate boundary).
    """
    by_method = compare_methods(params, burdens)
    material = by_method[recycled_content_method].material_kgco2e_per_kg
    if end_of_life == "excluded":
        return CffBreakdown(material, 0.0, 0.0, 0.0)
    eol = by_method[end_of_life]
    return CffBreakdown(
        material,
        eol.recycling_eol_kgco2e_per_kg,
        eol.energy_recovery_kgco2e_per_kg,
        eol.disposal_kgco2e_per_kg,
    )


def parse_cff_parameters(data: object, source: str) -> CffParameters:
    """Validate CFF parameters from a document; :class:`InputError` names each bad field."""
    try:
        return CffParameters.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc, "(parameters)")) from None
