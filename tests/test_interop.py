"""Interop: openLCA JSON-LD and Brightway datapackages in and out, and linking a background.

The small databases are built here, with intensities worked out by hand in the comments. Gas
factors are IPCC AR6 GWP100 (Forster et al. 2021, Table 7.15): CH4 fossil 29.8, N2O 273.
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from dependency_support import require_module

from batterycarbon.battery import BatterySystem, build_system, load_design
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.interop import (
    IMPACT_CATEGORY,
    ImportedSystem,
    InteropError,
    MissingDependencyError,
    link_background,
    read_bw_datapackage,
    read_olca_zip,
    write_bw_datapackage,
    write_olca_zip,
)
from batterycarbon.interop.common import require
from batterycarbon.lca import ProductSystem, Solver

# -- a small openLCA database -----------------------------------------------------------------
# electricity: 1 kWh emits 20 g CO2 and 0.1 g CH4        -> 0.02 + 0.0001 * 29.8 = 0.02298 /kWh
# red mud treatment: 1 kg emits 0.01 kg CO2, 0.1 g N2O   -> 0.01 + 0.0001 * 273  = 0.0373 /kg
# alumina: 1 kg uses 0.5 kWh, emits 0.6 kg CO2, sends 1.5 kg red mud to treatment
#                                     -> 0.6 + 0.5 * 0.02298 + 1.5 * 0.0373 = 0.66744 /kg
# aluminium: 1000 kg use 1930 kg alumina and 15 000 kWh, emit 1500 kg CO2 and take up 10 kg CO2
# from air (a resource, not in the default factors)
#                                     -> 1.5 + 1.93 * 0.66744 + 15 * 0.02298 = 3.1328592 /kg
ELECTRICITY_PER_KWH = 0.02 + 0.0001 * 29.8
RED_MUD_PER_KG = 0.01 + 0.0001 * 273
ALUMINA_PER_KG = 0.6 + 0.5 * ELECTRICITY_PER_KWH + 1.5 * RED_MUD_PER_KG
ALUMINIUM_PER_KG = 1.5 + 1.93 * ALUMINA_PER_KG + 15 * ELECTRICITY_PER_KWH

MASS, ENERGY = (
    {"@type": "FlowProperty", "@id": "fp-mass"},
    {"@type": "FlowProperty", "@id": "fp-energy"},
)
KG, G = {"@type": "Unit", "@id": "u-kg", "name": "kg"}, {"@type": "Unit", "@id": "u-g", "name": "g"}
KWH = {"@type": "Unit", "@id": "u-kwh", "name": "kWh"}


def _flow(uid: str, name: str, kind: str, prop: dict[str, str]) -> dict[str, Any]:
    return {
        "@type": "Flow", "@id": uid, "name": name, "flowType": kind,
        "flowProperties": [{"flowProperty": prop, "conversionFactor": 1.0, "isRefFlowProperty": True}],
    }  # fmt: skip


def _ex(flow: str, amount: Any, unit: dict[str, str], **flags: Any) -> dict[str, Any]:
    exchange = {"flow": {"@type": "Flow", "@id": flow}, "amount": amount, "unit": unit}
    exchange["flowProperty"] = ENERGY if unit is KWH else MASS
    exchange.update({"isInput": False, **flags})
    return exchange


def _process(uid: str, name: str, exchanges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@type": "Process", "@id": uid, "name": name, "exchanges": exchanges}


def small_database() -> dict[str, dict[str, Any]]:
    """Files of the archive by path; tests mutate a copy to make it malformed."""
    ref = {"isQuantitativeReference": True}
    entities = [
        {"@type": "UnitGroup", "@id": "ug-mass", "name": "Units of mass", "units": [
            {"@id": "u-kg", "name": "kg", "conversionFactor": 1.0, "isRefUnit": True},
            {"@id": "u-g", "name": "g", "conversionFactor": 0.001}]},
        {"@type": "UnitGroup", "@id": "ug-energy", "name": "Units of energy", "units": [
            {"@id": "u-mj", "name": "MJ", "conversionFactor": 1.0, "isRefUnit": True},
            {"@id": "u-kwh", "name": "kWh", "conversionFactor": 3.6}]},
        {"@type": "FlowProperty", "@id": "fp-mass", "name": "Mass", "unitGroup": {"@id": "ug-mass"}},
        {"@type": "FlowProperty", "@id": "fp-energy", "name": "Energy",
         "unitGroup": {"@id": "ug-energy"}},
        _flow("f-el", "electricity, medium voltage", "PRODUCT_FLOW", ENERGY),
        _flow("f-alumina", "aluminium oxide", "PRODUCT_FLOW", MASS),
        _flow("f-al", "aluminium, primary, ingot", "PRODUCT_FLOW", MASS),
        _flow("f-mud", "red mud", "WASTE_FLOW", MASS),
        _flow("f-co2", "Carbon dioxide, fossil", "ELEMENTARY_FLOW", MASS),
        _flow("f-ch4", "Methane, fossil", "ELEMENTARY_FLOW", MASS),
        _flow("f-n2o", "Dinitrogen monoxide", "ELEMENTARY_FLOW", MASS),
        _flow("f-co2-air", "Carbon dioxide, in air", "ELEMENTARY_FLOW", MASS),
        _process("p-el", "electricity production, hydro and coal", [
            _ex("f-el", 1.0, KWH, **ref), _ex("f-co2", 20.0, G), _ex("f-ch4", 0.1, G)]),
        _process("p-mud", "treatment of red mud", [
            _ex("f-mud", 1.0, KG, isInput=True, **ref), _ex("f-co2", 0.01, KG),
            _ex("f-n2o", 0.0001, KG)]),
        _process("p-alumina", "aluminium oxide production", [
            _ex("f-alumina", 1.0, KG, **ref), _ex("f-el", 0.5, KWH, isInput=True),
            _ex("f-co2", 0.6, KG),
            _ex("f-mud", 1.5, KG, defaultProvider={"@type": "Process", "@id": "p-mud"})]),
        _process("p-al", "aluminium production, primary, ingot", [
            _ex("f-al", 1000.0, KG, **ref),
            _ex("f-alumina", 1930.0, KG, isInput=True,
                defaultProvider={"@type": "Process", "@id": "p-alumina"}),
            _ex("f-el", 15000.0, KWH, isInput=True), _ex("f-co2", 1500.0, KG),
            _ex("f-co2-air", 10.0, KG, isInput=True)]),
    ]  # fmt: skip
    folders = {"UnitGroup": "unit_groups", "FlowProperty": "flow_properties", "Flow": "flows",
               "Process": "processes"}  # fmt: skip
    return {f"{folders[e['@type']]}/{e['@id']}.json": e for e in entities}


def write_zip(path: Path, files: dict[str, Any]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("olca-schema.json", '{"version": 2}')
        for name, content in files.items():
            archive.writestr(name, content if isinstance(content, str) else json.dumps(content))
    return path


def total(system: ProductSystem, process_id: str, amount: float = 1.0) -> float:
    return Solver(system).solve(system.demand({process_id: amount})).total


@pytest.fixture(scope="module")
def ncm811(open_library: FactorLibrary) -> BatterySystem:
    return build_system(load_design("ncm811-prismatic"), open_library)


@pytest.fixture
def small_olca(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "small.zip", small_database())


# -- openLCA: reading ---------------------------------------------------------------------------
def test_olca_reader_matches_hand_calculation(small_olca: Path) -> None:
    db = read_olca_zip(small_olca)
    intensity = dict(zip(db.system.process_ids, Solver(db.system).intensity, strict=True))
    assert intensity["p-al"] == pytest.approx(ALUMINIUM_PER_KG, rel=1e-12)
    assert intensity["p-alumina"] == pytest.approx(ALUMINA_PER_KG, rel=1e-12)
    assert intensity["p-mud"] == pytest.approx(RED_MUD_PER_KG, rel=1e-12)
    # Electricity's reference unit is its unit group's, MJ: 1 kWh = 3.6 MJ.
    assert db.reference_units["p-el"] == "MJ"
    assert intensity["p-el"] * 3.6 == pytest.approx(ELECTRICITY_PER_KWH, rel=1e-12)
    assert db.reference_units["p-al"] == "kg"
    assert db.find("aluminium ingot") == ["p-al"]


def test_olca_columns_are_per_reference_unit_with_inputs_negative(small_olca: Path) -> None:
    db = read_olca_zip(small_olca)
    a, i = db.system.technosphere.toarray(), db.system.index
    np.testing.assert_allclose(np.diag(a), 1.0)
    assert a[i["p-alumina"], i["p-al"]] == pytest.approx(-1.93)
    assert a[i["p-el"], i["p-al"]] == pytest.approx(-15 * 3.6)
    assert a[i["p-mud"], i["p-alumina"]] == pytest.approx(-1.5)  # waste output -> its treatment
    b = db.system.biosphere.toarray()
    air = db.system.flow_ids.index("f-co2-air")
    assert b[air, i["p-al"]] == pytest.approx(-0.01)  # resource input: negative
    assert db.system.characterization[air] == 0.0  # no default factor for uptake


def test_olca_characterization_by_name_id_or_impact_category(
    small_olca: Path, tmp_path: Path
) -> None:
    # CO2 alone: 1.5 + 1.93 * (0.6 + 0.5 * 0.02 + 1.5 * 0.01) + 15 * 0.02 = 3.00625
    co2_only = 1.5 + 1.93 * 0.625 + 0.3
    by_name = read_olca_zip(small_olca, characterization={"carbon dioxide, FOSSIL": 1.0})
    assert total(by_name.system, "p-al") == pytest.approx(co2_only, rel=1e-12)
    # The uptake enters the biosphere as -0.01 kg per kg, so a factor of -1 adds 0.01.
    by_id = read_olca_zip(small_olca, characterization={"f-co2": 1.0, "f-co2-air": -1.0})
    assert total(by_id.system, "p-al") == pytest.approx(co2_only + 0.01, rel=1e-12)

    files = small_database()
    files["lcia_categories/gwp.json"] = {
        "@type": "ImpactCategory", "@id": "gwp", "name": "GWP 100, CO2 only (per gram)",
        "impactFactors": [{"flow": {"@id": "f-co2"}, "value": 0.001, "unit": G,
                           "flowProperty": MASS}],
    }  # fmt: skip
    with_category = read_olca_zip(
        write_zip(tmp_path / "c.zip", files), impact_category="gwp 100, co2 only (per gram)"
    )
    assert total(with_category.system, "p-al") == pytest.approx(co2_only, rel=1e-12)


def _mutated(tmp_path: Path, change: Any) -> Path:
    files = copy.deepcopy(small_database())
    change(files)
    return write_zip(tmp_path / "bad.zip", files)


def _set(path: str, *keys: Any, value: Any) -> Any:
    def change(files: dict[str, Any]) -> None:
        target = files[path]
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


MALFORMED = {
    "amount": (
        _set("processes/p-al.json", "exchanges", 1, "amount", value="1930 kg"),
        "processes/p-al.json: exchanges[1].amount: expected a finite number (got '1930 kg')",
    ),
    "no reference": (
        _set("processes/p-el.json", "exchanges", 0, "isQuantitativeReference", value=False),
        "processes/p-el.json: exchanges: expected exactly one with isQuantitativeReference",
    ),
    "provider": (
        _set("processes/p-al.json", "exchanges", 1, "defaultProvider", value={"@id": "p-x"}),
        "processes/p-al.json: exchanges[1].defaultProvider: 'p-x' is not in processes/",
    ),
    "wrong provider": (
        _set("processes/p-al.json", "exchanges", 1, "defaultProvider", value={"@id": "p-el"}),
        "exchanges[1].defaultProvider: process 'p-el' does not make flow 'f-alumina'",
    ),
    "flow type": (
        _set("flows/f-al.json", "flowType", value="PRODUCT"),
        "flows/f-al.json: flowType: expected PRODUCT_FLOW, WASTE_FLOW or ELEMENTARY_FLOW",
    ),
    "unknown flow": (
        _set("processes/p-el.json", "exchanges", 1, "flow", value={"@id": "f-nox"}),
        "processes/p-el.json: exchanges[1].flow: 'f-nox' is not in flows/",
    ),
    "unit": (
        _set("processes/p-el.json", "exchanges", 1, "unit", value={"@id": "u-lb", "name": "lb"}),
        "processes/p-el.json: exchanges[1].unit: 'lb' is not a unit of any unit group",
    ),
    "unit factor": (
        _set("unit_groups/ug-mass.json", "units", 1, "conversionFactor", value=-1),
        "unit_groups/ug-mass.json: units[1]: expected a name and a positive conversionFactor",
    ),
    "no id": (
        _set("processes/p-el.json", "@id", value=""),
        "processes/p-el.json: @id: expected a non-empty string",
    ),
    "json": (
        lambda files: files.update({"processes/p-el.json": "{not json"}),
        "processes/p-el.json: not valid JSON",
    ),
    "co-product": (
        lambda files: files["processes/p-alumina.json"]["exchanges"].append(_ex("f-el", 0.1, KWH)),
        "processes/p-alumina.json: exchanges[4]: a second product output or treated waste",
    ),
    "unlinked": (
        lambda files: files.pop("processes/p-alumina.json"),
        "processes/p-al.json: exchanges[1].defaultProvider: 'p-alumina' is not in processes/",
    ),
    "ambiguous": (
        lambda files: files.update({"processes/p-el2.json": _process("p-el2", "electricity 2", [
            _ex("f-el", 1.0, KWH, isQuantitativeReference=True)])}),
        "processes/p-alumina.json: exchanges[1].defaultProvider: missing, and 2 processes",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_olca_malformed_archive_is_rejected_naming_file_and_field(
    tmp_path: Path, case: str
) -> None:
    change, message = MALFORMED[case]
    with pytest.raises(InteropError) as error:
        read_olca_zip(_mutated(tmp_path, change))
    assert message in str(error.value)
    assert str(tmp_path / "bad.zip") in str(error.value)


def test_olca_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def two_problems(files: dict[str, Any]) -> None:
        files["processes/p-el.json"]["exchanges"][1]["amount"] = None
        files["flows/f-al.json"]["flowType"] = "X"

    with pytest.raises(InteropError) as error:
        read_olca_zip(_mutated(tmp_path, two_problems))
    assert len(error.value.problems) == 2


def test_olca_unlinked_inputs_can_be_dropped_and_are_listed(tmp_path: Path) -> None:
    def no_alumina_provider(files: dict[str, Any]) -> None:
        del (
            files["processes/p-alumina.json"],
            files["processes/p-al.json"]["exchanges"][1]["defaultProvider"],
        )

    path = _mutated(tmp_path, no_alumina_provider)
    with pytest.raises(InteropError, match=r"exchanges\[1\]\.defaultProvider: missing, and 0"):
        read_olca_zip(path)
    db = read_olca_zip(path, unlinked="ignore")
    assert db.unlinked == ("processes/p-al.json: exchanges[1] (aluminium oxide)",)
    assert total(db.system, "p-al") == pytest.approx(1.5 + 15 * ELECTRICITY_PER_KWH, rel=1e-12)


def test_olca_not_a_zip_and_no_characterized_flow_are_rejected(
    tmp_path: Path, small_olca: Path
) -> None:
    not_zip = tmp_path / "db.zip"
    not_zip.write_text("PK? no")
    with pytest.raises(InteropError, match="not a readable zip file"):
        read_olca_zip(not_zip)
    with pytest.raises(InputError, match="characterization: no elementary flow"):
        read_olca_zip(small_olca, characterization={"sulfur hexafluoride": 25200.0})
    with pytest.raises(InteropError, match="impact_category 'ReCiPe' matches 0"):
        read_olca_zip(small_olca, impact_category="ReCiPe")


def test_olca_schema_1_field_names_are_read(tmp_path: Path) -> None:
    renames = {"isInput": "input", "isQuantitativeReference": "quantitativeReference",
               "isRefUnit": "referenceUnit", "isRefFlowProperty": "referenceFlowProperty"}  # fmt: skip

    def to_schema_1(value: Any) -> Any:
        if isinstance(value, dict):
            return {renames.get(k, k): to_schema_1(v) for k, v in value.items()}
        return [to_schema_1(v) for v in value] if isinstance(value, list) else value

    files = {name: to_schema_1(entity) for name, entity in small_database().items()}
    db = read_olca_zip(write_zip(tmp_path / "v1.zip", files))
    assert total(db.system, "p-al") == pytest.approx(ALUMINIUM_PER_KG, rel=1e-12)
    assert db.reference_units["p-el"] == "MJ"


# -- openLCA: writing ---------------------------------------------------------------------------
def test_battery_round_trip_through_olca_keeps_the_footprint(
    ncm811: BatterySystem, tmp_path: Path
) -> None:
    expected = total(ncm811.system, "pack")
    ids = write_olca_zip(ncm811, tmp_path / "pack.zip")
    back = read_olca_zip(tmp_path / "pack.zip")
    assert total(back.system, ids["pack"]) == pytest.approx(expected, rel=1e-12)
    assert back.process_names[ids["pack"]] == "Battery pack"
    assert back.reference_units[ids["pack"]] == "Item(s)"
    assert back.reference_units[ids["cathode_active_material"]] == "kg"
    # The archive's own LCIA category gives the same figure as the default factors.
    with_category = read_olca_zip(tmp_path / "pack.zip", impact_category=IMPACT_CATEGORY)
    assert total(with_category.system, ids["pack"]) == pytest.approx(expected, rel=1e-12)


def test_olca_export_is_reproducible_and_reimports_an_imported_database(
    small_olca: Path, tmp_path: Path
) -> None:
    db = read_olca_zip(small_olca)
    first = write_olca_zip(db, tmp_path / "a.zip")
    write_olca_zip(db, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    again = read_olca_zip(tmp_path / "a.zip", impact_category=IMPACT_CATEGORY)
    assert total(again.system, first["p-al"]) == pytest.approx(ALUMINIUM_PER_KG, rel=1e-12)
    assert again.reference_units[first["p-el"]] == "MJ"


def credit_system() -> ProductSystem:
    """A product using 2 kWh and crediting 0.5 kg of recovered steel; a grid losing 10 %.

    grid: 0.9 kWh out per kWh made, 0.5 kg CO2e per kWh made -> 0.5 / 0.9 per kWh delivered;
    product: 2 * 0.5 / 0.9 - 0.5 * 1.8 + 0.3 = 0.51111... kg CO2e.
    """
    a = sp.csc_matrix(np.array([[1.0, 0.0, 0.0], [-2.0, 0.9, 0.0], [0.5, 0.0, 1.0]]))
    b = sp.csr_matrix(np.array([[0.3, 0.5, 1.8]]))
    return ProductSystem(("product", "grid", "steel"), a, b, np.ones(1))


CREDIT_PRODUCT = 2 * 0.5 / 0.9 - 0.5 * 1.8 + 0.3


def test_credits_and_non_unit_outputs_survive_both_round_trips(tmp_path: Path) -> None:
    system = credit_system()
    assert total(system, "product") == pytest.approx(CREDIT_PRODUCT, rel=1e-12)
    ids = write_olca_zip(system, tmp_path / "credit.zip")
    back = read_olca_zip(tmp_path / "credit.zip", impact_category=IMPACT_CATEGORY)
    assert total(back.system, ids["product"]) == pytest.approx(CREDIT_PRODUCT, rel=1e-12)
    require_module("bw_processing", "interop")  # a missing extra fails in CI, skips elsewhere
    write_bw_datapackage(system, tmp_path / "credit-bw.zip")
    bw = read_bw_datapackage(tmp_path / "credit-bw.zip")
    assert total(bw.system, "product") == pytest.approx(CREDIT_PRODUCT, rel=1e-12)


def test_olca_export_parses_with_olca_schema(ncm811: BatterySystem, tmp_path: Path) -> None:
    schema = require_module("olca_schema", "test")
    zipio = require_module("olca_schema.zipio", "test")
    ids = write_olca_zip(ncm811, tmp_path / "pack.zip")
    with zipio.ZipReader(tmp_path / "pack.zip") as reader:
        pack = reader.read_process(ids["pack"])
        methods = list(reader.read_each(schema.ImpactMethod))
    assert pack is not None and pack.name == "Battery pack"
    reference = [e for e in pack.exchanges if e.is_quantitative_reference]
    assert len(reference) == 1 and reference[0].amount == 1.0
    inputs = {e.default_provider.id: e.amount for e in pack.exchanges if e.is_input}
    assert inputs[ids["cell"]] == ncm811.cells_per_pack
    assert [m.name for m in methods] == [IMPACT_CATEGORY]


# -- Brightway ----------------------------------------------------------------------------------
def _bw_database(bwp: Any, target: Path, *, square_ids: bool = True) -> Path:
    """Three activities; ids 101 (steel), 102 (electricity), 103 (product).

    product: 1 unit uses 2 kg steel and 3 kWh; steel uses 0.5 kWh/kg and emits 1.5 kg CO2/kg;
    electricity emits 0.4 kg CO2 and 0.001 kg CH4 per kWh -> 0.4 + 0.0298 = 0.4298 /kWh.
    product: 2 * (1.5 + 0.5 * 0.4298) + 3 * 0.4298 = 5.1488 kg CO2e.
    With ``square_ids=False`` products have ids of their own (201-203), as in Brightway 2.5.
    """
    p = (lambda a: a) if square_ids else (lambda a: a + 100)
    dp = bwp.create_datapackage(fs=bwp.generic_zipfile_filesystem(dirpath=target.parent,
                                                                 filename=target.name))  # fmt: skip
    tech = [(p(101), 101, 1.0, False), (p(102), 102, 1.0, False), (p(103), 103, 1.0, False),
            (p(101), 103, 2.0, True), (p(102), 103, 3.0, True), (p(102), 101, 0.5, True)]  # fmt: skip
    bio = [(1, 101, 1.5), (1, 102, 0.4), (2, 102, 0.001)]
    for name, matrix, rows in (
        ("tech", "technosphere_matrix", tech),
        ("bio", "biosphere_matrix", bio),
    ):
        indices = np.array([(r[0], r[1]) for r in rows], dtype=bwp.INDICES_DTYPE)
        dp.add_persistent_vector(
            matrix=matrix, name=name, indices_array=indices,
            data_array=np.array([r[2] for r in rows]),
            flip_array=np.array([r[3] for r in rows]) if matrix == "technosphere_matrix" else None,
        )  # fmt: skip
    dp.finalize_serialization()
    return target


def _bw_method(bwp: Any, target: Path) -> Path:
    """CO2 = 1, CH4 = 29.8, with a global-location column (999) and a regional one (7)."""
    dp = bwp.create_datapackage(
        fs=bwp.generic_zipfile_filesystem(dirpath=target.parent, filename=target.name)
    )
    dp.add_persistent_vector(
        matrix="characterization_matrix", name="gwp", global_index=999,
        indices_array=np.array([(1, 999), (2, 999), (1, 7)], dtype=bwp.INDICES_DTYPE),
        data_array=np.array([1.0, 29.8, 50.0]),
    )  # fmt: skip
    dp.finalize_serialization()
    return target


BW_PRODUCT = 2 * (1.5 + 0.5 * 0.4298) + 3 * 0.4298


@pytest.mark.parametrize("square_ids", [True, False])
def test_bw_reader_matches_hand_calculation(tmp_path: Path, square_ids: bool) -> None:
    bwp = require_module("bw_processing", "interop")
    db = read_bw_datapackage(
        _bw_database(bwp, tmp_path / "db.zip", square_ids=square_ids),
        _bw_method(bwp, tmp_path / "gwp.zip"),
    )
    assert db.system.process_ids == ("101", "102", "103")
    assert total(db.system, "103") == pytest.approx(BW_PRODUCT, rel=1e-12)
    np.testing.assert_allclose(np.diag(db.system.technosphere.toarray()), 1.0)


def test_bw_characterization_can_be_given_instead_of_a_method(tmp_path: Path) -> None:
    bwp = require_module("bw_processing", "interop")
    path = _bw_database(bwp, tmp_path / "db.zip")
    db = read_bw_datapackage(path, characterization={1: 1.0})
    assert total(db.system, "103") == pytest.approx(2 * 1.7 + 3 * 0.4, rel=1e-12)
    with pytest.raises(InputError, match="characterization: no elementary flow has a factor"):
        read_bw_datapackage(path)


def test_bw_malformed_packages_are_rejected_naming_the_resource(tmp_path: Path) -> None:
    bwp = require_module("bw_processing", "interop")
    with pytest.raises(InteropError, match="no such file or directory"):
        read_bw_datapackage(tmp_path / "missing.zip")
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(InteropError, match="datapackage.json: cannot be loaded"):
        read_bw_datapackage(tmp_path / "junk.zip")

    dp = bwp.create_datapackage()  # in memory
    dp.add_persistent_vector(
        matrix="technosphere_matrix", name="tech",
        indices_array=np.array([(1, 1), (2, 2)], dtype=bwp.INDICES_DTYPE),
        data_array=np.array([1.0, 1.0]),
    )  # fmt: skip
    dp.data[1] = np.array([1.0, np.nan])  # corrupt the data after bw_processing's own checks
    with pytest.raises(InteropError, match=r"resource 'tech.indices': data/flip: expected finite"):
        read_bw_datapackage(dp)

    # Only the database without the method package: products without producers.
    square = bwp.create_datapackage()
    square.add_persistent_vector(
        matrix="technosphere_matrix", name="tech",
        indices_array=np.array([(1, 1), (2, 1)], dtype=bwp.INDICES_DTYPE),
        data_array=np.array([1.0, 0.5]), flip_array=np.array([False, True]),
    )  # fmt: skip
    with pytest.raises(InteropError, match="2 products .rows. but 1 activities"):
        read_bw_datapackage(square)


def test_battery_round_trip_through_bw_keeps_the_footprint(
    ncm811: BatterySystem, tmp_path: Path
) -> None:
    require_module("bw_processing", "interop")
    expected = total(ncm811.system, "pack")
    write_bw_datapackage(ncm811, tmp_path / "pack.zip")
    write_bw_datapackage(ncm811, tmp_path / "pack-dir")
    for target in ("pack.zip", "pack-dir"):
        back = read_bw_datapackage(tmp_path / target)
        assert back.system.process_ids == ncm811.system.process_ids
        assert total(back.system, "pack") == pytest.approx(expected, rel=1e-12)
        assert back.process_names["pack"] == "Battery pack"


def test_bw2calc_scores_the_exported_package_the_same(
    ncm811: BatterySystem, tmp_path: Path
) -> None:
    bwp = require_module("bw_processing", "interop")
    bw2calc = require_module("bw2calc", "bench")
    ids = write_bw_datapackage(ncm811, tmp_path / "pack.zip")
    package = bwp.load_datapackage(
        bwp.generic_zipfile_filesystem(dirpath=tmp_path, filename="pack.zip", write=False)
    )
    lca = bw2calc.LCA({ids["pack"]: 1.0}, data_objs=[package])
    lca.lci()
    lca.lcia()
    assert lca.score == pytest.approx(total(ncm811.system, "pack"), rel=1e-12)


def test_missing_optional_package_names_the_extra() -> None:
    with pytest.raises(MissingDependencyError, match=r"batterycarbon\[interop\]"):
        require("batterycarbon_no_such_package", "Reading X")


# -- linking a background ------------------------------------------------------------------------
def _scaled(bsys: BatterySystem, flow: str) -> list[tuple[float, float]]:
    """(amount used per pack, own kg CO2e per unit) of each library process of ``flow``."""
    system = bsys.system
    scaling = Solver(system).solve(system.demand({"pack": 1.0})).scaling
    direct = system.direct_intensity()
    return [
        (scaling[system.index[p.id]], direct[system.index[p.id]])
        for p in bsys.processes
        if p.factor_id is not None and p.factor_id.split(":")[0] == flow
    ]


def test_linked_background_replaces_library_factors(
    ncm811: BatterySystem, small_olca: Path, open_library: FactorLibrary
) -> None:
    db = read_olca_zip(small_olca)
    linked = link_background(
        ncm811, db, {"aluminium_primary": "p-al", "electricity_grid": "p-el"},
        library=open_library,
    )  # fmt: skip
    # Hand calculation: each replaced library process's amount s now costs the imported
    # intensity instead of its factor e: total + sum s * (imported - e).
    expected = total(ncm811.system, "pack")
    for used, factor in _scaled(ncm811, "aluminium_primary"):
        expected += used * (ALUMINIUM_PER_KG - factor)
    grid = _scaled(ncm811, "electricity_grid")
    assert grid, "the design draws grid electricity"
    for used_kwh, factor in grid:
        expected += used_kwh * (ELECTRICITY_PER_KWH - factor)  # kWh -> MJ converted in the link
    assert total(linked, "pack") == pytest.approx(expected, rel=1e-12)
    assert "bg:p-al" in linked.index and "factor:aluminium_primary:CN:2015" not in linked.index
    assert set(linked.flow_ids) == {"co2e", "f-co2", "f-ch4", "f-n2o", "f-co2-air"}


def test_link_by_process_id_to_a_brightway_background(
    ncm811: BatterySystem, tmp_path: Path
) -> None:
    bwp = require_module("bw_processing", "interop")
    db = read_bw_datapackage(
        _bw_database(bwp, tmp_path / "db.zip"), _bw_method(bwp, tmp_path / "gwp.zip")
    )
    copper = "factor:copper:GLO:2018"
    linked = link_background(ncm811, db, {copper: "101"})  # steel stands in, unit unknown: 1:1
    ((used, factor),) = _scaled(ncm811, "copper")
    steel = 1.5 + 0.5 * 0.4298
    expected = total(ncm811.system, "pack") + used * (steel - factor)
    assert total(linked, "pack") == pytest.approx(expected, rel=1e-12)


def test_bad_mappings_are_rejected_one_line_each(ncm811: BatterySystem, small_olca: Path) -> None:
    db: ImportedSystem = read_olca_zip(small_olca)
    with pytest.raises(InputError) as error:
        link_background(
            ncm811, db,
            {"unobtainium": "p-al", "copper": "p-nowhere", "aluminium_primary": "p-el"},
        )  # fmt: skip
    problems = error.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("unobtainium: names no process of the battery system")
    assert "aluminium_primary" in problems[0]  # lists the flows that can be linked
    assert problems[1] == "copper -> 'p-nowhere': not a process id of the imported system"
    assert "the battery uses kg, the imported process makes MJ" in problems[2]
