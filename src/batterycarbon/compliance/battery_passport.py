"""The full battery passport: every Battery Pass 1.2 aspect, validated, with access views.

Each aspect is built from what the engine knows (battery category, mass, chemistry, material
masses from the product model, the carbon-footprint aspect of the declaration) merged with what
the battery maker gives in the compliance inputs file (``passport:`` aspect -> attributes; the
maker's values win). Nothing is invented: a required attribute nobody gave is listed under
``notProvided`` as ``"<Aspect>.<attribute path>"``, and :func:`build_passport` with
``complete=True`` rejects the passport naming them. Every value present is validated against the
aspect's JSON Schema (``data/batterypass-1.2/``, CC BY 4.0), so a wrong type, enum or format is an
:class:`InputError` whether or not the passport is complete.

:func:`passport_view` keeps the attributes a role may see (``data/passport_access.toml``:
public, legitimate interest, authorities, after Regulation (EU) 2023/1542 Annex XIII);
:func:`passport_url` and :func:`write_qr` give the public link and its QR code.

References
----------
Battery Pass consortium, Battery Pass data model 1.2 (DIN DKE SPEC 99100:2025-02), CC BY 4.0;
Regulation (EU) 2023/1542, Article 77 and Annexes VI, XIII.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

from batterycarbon.battery import BatterySystem, Design
from batterycarbon.battery.chemistry import ATOMIC_MASS_G_PER_MOL as _M
from batterycarbon.battery.params import chemistry_defaults
from batterycarbon.errors import InputError, excerpt

from .classes import DATA_DIR

SCHEMA_DIR = DATA_DIR / "batterypass-1.2"
ASPECTS = (
    "GeneralProductInformation",
    "CarbonFootprintForBatteries",
    "PerformanceAndDurability",
    "MaterialComposition",
    "Circularity",
    "Labeling",
    "SupplyChainDueDiligence",
)
ROLES = ("public", "legitimate_interest", "authorities")
#: Data-model chemistry names (``BatteryChemistryEntity``) of the engine's chemistries.
CHEMISTRY_NAMES = {
    "LFP": ("LFP", "Lithium iron phosphate"),
    "NCA": ("NCA", "Lithium nickel cobalt aluminium oxide"),
    "NCM": ("NMC", "Lithium nickel manganese cobalt oxides"),
}
#: CAS registry numbers of the elements and materials reported (public CAS numbers).
CAS = {
    "Li": "7439-93-2", "Ni": "7440-02-0", "Co": "7440-48-4", "Mn": "7439-96-5",
    "Al": "7429-90-5", "Fe": "7439-89-6", "P": "7723-14-0", "Cu": "7440-50-8",
    "graphite": "7782-42-5",
}  # fmt: skip
ELEMENT_NAMES = {"Li": "Lithium", "Ni": "Nickel", "Co": "Cobalt", "Mn": "Manganese",
                 "Al": "Aluminium", "Fe": "Iron", "P": "Phosphorus", "Cu": "Copper"}  # fmt: skip
#: Critical raw materials of Regulation (EU) 2024/1252 (Critical Raw Materials Act) Annex II
#: among those reported, as recalled (not re-read): lithium, battery-grade nickel, cobalt,
#: battery-grade manganese, bauxite/aluminium, phosphorus, copper, and natural graphite only.
CRITICAL = {"Li", "Ni", "Co", "Mn", "Al", "P", "Cu"}


@lru_cache(maxsize=8)
def aspect_schema(aspect: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (SCHEMA_DIR / f"{aspect}-schema.json").read_text(encoding="utf-8")
    )
    return schema


@lru_cache(maxsize=1)
def access_rules() -> dict[str, Any]:
    return tomllib.loads((DATA_DIR / "passport_access.toml").read_text(encoding="utf-8"))


def check_aspect(aspect: str, data: Mapping[str, Any]) -> list[str]:
    """Validate ``data`` against the aspect's schema; return the required attributes missing.

    Any other violation (type, enum, pattern, format of a value that is present) raises
    :class:`InputError` naming the attribute.
    """
    validator = Draft4Validator(
        aspect_schema(aspect), format_checker=Draft4Validator.FORMAT_CHECKER
    )
    missing, problems = [], []
    for error in validator.iter_errors(dict(data)):
        where = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            name = str(error.message).split("'")[1]
            missing.append(f"{aspect}.{where + '.' if where else ''}{name}")
        else:
            problems.append(f"{aspect}.{where or '(aspect)'}: {error.message}")
    if problems:
        raise InputError("battery passport", sorted(problems))
    return sorted(missing)


def _cathode_elements(design: Design, cam_kg: float) -> dict[str, float]:
    """kg of each element in ``cam_kg`` of cathode active material (LiMO2 or LiFePO4)."""
    chem = chemistry_defaults()[design.chemistry]
    if chem["cathode"] == "LFP":
        moles = {"Li": 1.0, "Fe": 1.0, "P": 1.0}
    else:
        third = "Mn" if chem["cathode"] == "NCM" else "Al"
        ratio = design.cathode_ratio or tuple(chem["ratio"])
        moles = {"Li": 1.0, "Ni": ratio[0], "Co": ratio[1], third: ratio[2]}
    oxygen = 4.0 if chem["cathode"] == "LFP" else 2.0
    molar = sum(n * _M[e] for e, n in moles.items()) + oxygen * _M["O"]
    return {e: cam_kg * n * _M[e] / molar for e, n in moles.items() if n > 0}


def material_composition(design: Design, bsys: BatterySystem) -> dict[str, Any]:
    """``batteryChemistry`` and ``batteryMaterials`` from the product model's masses (kg)."""
    chem = chemistry_defaults()[design.chemistry]
    short, clear = CHEMISTRY_NAMES[chem["cathode"]]
    cells = bsys.cells_per_pack
    cam = bsys.cell_masses_kg["cathode_active_material"] * cells
    rows: list[tuple[str, str, float]] = [
        (e, "Cathode", kg) for e, kg in _cathode_elements(design, cam).items()
    ]
    if design.anode_material != "lithium_metal":
        rows.append(("graphite", "Anode", bsys.cell_masses_kg["anode_active_material"] * cells))
    rows.append(("Cu", "Anode", bsys.cell_masses_kg["copper_foil"] * cells))
    rows.append(("Al", "Cathode", bsys.cell_masses_kg["aluminium_foil"] * cells))
    materials = [
        {
            "batteryMaterialLocation": {"componentName": location},
            "batteryMaterialIdentifier": CAS[key],
            "batteryMaterialName": ELEMENT_NAMES.get(key, "Graphite"),
            "batteryMaterialMass": round(kg, 6),
            "isCriticalRawMaterial": key in CRITICAL
            or (key == "graphite" and design.anode_material == "graphite_natural"),
        }
        for key, location, kg in rows
    ]
    return {
        "batteryChemistry": {"shortName": short, "clearName": clear},
        "batteryMaterials": materials,
    }


def passport_identifier(declaration_id: str) -> str:
    """A URN of the form the data model requires (``urn:<nid>:<lowercase alphanumerics>``)."""
    digest = hashlib.sha256(declaration_id.encode()).hexdigest()[:24]
    return f"urn:batterycarbon:{digest}"


def passport_url(base_url: str, identifier: str) -> str:
    """The stable public link of a passport: ``<base_url>/passports/<identifier>``."""
    if not base_url.startswith(("https://", "http://")):
        raise InputError(
            "passport", [f"base_url: expected an http(s) URL (got {excerpt(base_url)})"]
        )
    return f"{base_url.rstrip('/')}/passports/{identifier}"


def write_qr(url: str, path: Path) -> Path:
    """Write a QR code of ``url`` (PNG or SVG by ``path``'s suffix) with error correction M."""
    import segno

    segno.make(url, error="m").save(str(path), scale=6, border=4)
    return path


def qr_png(url: str) -> bytes:
    """The PNG bytes of the QR code :func:`write_qr` writes for ``url``."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def _merge(computed: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(computed)
    merged.update(copy.deepcopy(dict(given)))
    return merged


def unknown_aspects(given: Mapping[str, Any]) -> list[str]:
    """One problem per aspect of ``given`` that the data model does not have."""
    return [
        f"{a}: unknown aspect; known: {', '.join(ASPECTS)}"
        for a in sorted(set(given) - set(ASPECTS))
    ]


def build_passport(
    *,
    design: Design,
    bsys: BatterySystem,
    declaration_id: str,
    battery_category: str,
    carbon_footprint: dict[str, Any],
    given: Mapping[str, Mapping[str, Any]] | None = None,
    base_url: str | None = None,
    complete: bool = False,
    identifier: str | None = None,
) -> dict[str, Any]:
    """Every aspect of the passport, validated; ``notProvided`` lists the gaps.

    ``given``: aspect -> attributes from the maker (unknown aspects are rejected).
    ``complete=True`` raises :class:`InputError` naming every required attribute missing.
    ``identifier``: the passport's URN when a registry assigns it (one per battery unit or
    batch); default: derived from ``declaration_id`` (:func:`passport_identifier`).
    """
    given = dict(given or {})
    unknown = unknown_aspects(given)
    if unknown:
        raise InputError("passport", unknown)
    identifier = identifier or passport_identifier(declaration_id)
    computed: dict[str, dict[str, Any]] = {
        "GeneralProductInformation": {
            "productIdentifier": design.id or design.name or "design",
            "batteryPassportIdentifier": identifier,
            "batteryCategory": battery_category,
            "batteryMass": round(bsys.pack_mass_kg, 3),
        },
        "CarbonFootprintForBatteries": carbon_footprint,
        "MaterialComposition": material_composition(design, bsys),
    }
    aspects: dict[str, Any] = {}
    not_provided: list[str] = []
    for aspect in ASPECTS:
        data = _merge(computed.get(aspect, {}), given.get(aspect, {}))
        not_provided += check_aspect(aspect, data)
        aspects[aspect] = data
    if complete and not_provided:
        raise InputError(
            "battery passport is incomplete",
            [f"{m}: required attribute not provided" for m in not_provided],
        )
    return {
        "dataModel": {
            "name": "Battery Pass data model",
            "version": "1.2.0",
            "specification": "DIN DKE SPEC 99100:2025-02",
        },
        "batteryPassportIdentifier": identifier,
        "publicUrl": passport_url(base_url, identifier) if base_url else None,
        **aspects,
        "notProvided": not_provided,
        "access": {"source": access_rules()["source"], "checked": access_rules()["checked"]},
    }


def attribute_group(aspect: str, attribute: str) -> str:
    """The access group of ``aspect.attribute``: public, legitimate_interest or authorities."""
    rules = access_rules()["aspect"][aspect]
    return str(rules.get(attribute, rules["default"]))


def passport_view(passport: Mapping[str, Any], role: str) -> dict[str, Any]:
    """The passport as ``role`` may see it; hidden attributes are removed, not blanked."""
    if role not in ROLES:
        raise InputError(
            "passport view", [f"role: expected one of {', '.join(ROLES)} (got {excerpt(role)})"]
        )
    allowed = set(ROLES[: ROLES.index(role) + 1])
    view: dict[str, Any] = {}
    for key, value in passport.items():
        if key in ASPECTS:
            view[key] = {a: v for a, v in value.items() if attribute_group(key, a) in allowed}
        elif key == "notProvided":
            view[key] = [m for m in value if attribute_group(*m.split(".")[:2]) in allowed]
        else:
            view[key] = value
    view["view"] = role
    return view
