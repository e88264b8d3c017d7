"""No value of the open release is fitted to the white paper; its factors and the model's
defaults each say where they come from (issue 15, sections 1 and 3).

A value set so that the model reproduces a published result is no evidence for that result.
The white-paper release (whitepaper-2023) may hold such values, marked as fitted; the open
release may not. The checks read what the data say about themselves:

- a factor row is fitted when a sentence of its notes or name (or of the notes of the source it
  rests on) says it was fitted, calibrated, back-calculated, implied or set so that a figure is
  reproduced, and names the white paper (``the paper``, ``fig. N``) in the same sentence; a row
  that copies the value of a fitted row of the same flow (a regional proxy) is fitted too;
- a number of a product-model data file (``battery/data/*.toml``) is sourced when its table or a
  parent table has a ``sources``/``source`` key, or its paragraph (the run of non-blank lines it
  stands in, comments included) names a key of the file's sources or says ``assumption``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from batterycarbon.battery.params import DATA_DIR
from batterycarbon.factors import DEFAULT_RELEASE, load_release
from batterycarbon.factors.loader import RELEASES_DIR
from batterycarbon.factors.model import REGION_PATTERN, Factor, Release

OPEN = "open-2026.1"

#: Words that say a value was set from a result rather than read in a source ...
FIT_WORDS = re.compile(
    r"\bfit(?:ted)?\b|\bcalibrat\w*|back-?calculat\w*|back-?solved|\bimplie[sd]\b|"
    r"\bIMPLIED\b|set so that|reproduc\w*",
    re.IGNORECASE,
)
#: ... and the words that name the white paper in the same sentence.
WHITE_PAPER = re.compile(r"white ?paper|whitepaper|\bthe paper\b|\bfig\.\s*\d", re.IGNORECASE)
#: A sentence ends at . ! or ? before a capital, not after an abbreviation such as "fig.".
SENTENCE = re.compile(
    r"(?<![Ff]ig\.)(?<!\bal\.)(?<!\bvs\.)(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[A-Z])"
)


def says_fitted(text: str | None) -> str | None:
    """The first sentence of ``text`` saying that a value was fitted to the white paper."""
    for sentence in SENTENCE.split(text or ""):
        if FIT_WORDS.search(sentence) and WHITE_PAPER.search(sentence):
            return sentence
    return None


def fitted_rows(release: Release) -> dict[str, str]:
    """Factor id -> why the rule finds it fitted to the white paper."""
    found: dict[str, str] = {}
    for fid, factor in release.factors.items():
        for where, text in (
            ("notes", factor.notes),
            ("name", factor.name),
            (f"source {factor.source.id}", factor.source.notes),
            (f"source {factor.source.id}", factor.source.citation),
        ):
            sentence = says_fitted(text)
            if sentence:
                found[fid] = f"{where}: {sentence[:120]}"
                break
    changed = True
    while changed:  # a proxy that copies a fitted row's value is fitted
        changed = False
        fitted_values = {
            (release.factors[fid].flow, release.factors[fid].value): fid for fid in found
        }
        for fid, factor in release.factors.items():
            copied = fitted_values.get((factor.flow, factor.value))
            if fid not in found and copied:
                found[fid] = f"copies {copied}"
                changed = True
    return found


# --- the open release ---------------------------------------------------------------------------


def test_the_open_release_is_the_default_and_marks_no_fitted_factor() -> None:
    assert DEFAULT_RELEASE == OPEN
    assert load_release(OPEN).fitted == ()
    text = (RELEASES_DIR / OPEN / "release.toml").read_text(encoding="utf-8")
    assert not re.search(r"^\s*\[\[fitted\]\]", text, re.MULTILINE)


def test_no_factor_of_the_open_release_says_it_was_fitted_to_the_white_paper() -> None:
    assert fitted_rows(load_release(OPEN)) == {}


def test_every_factor_of_the_open_release_has_source_year_region_and_scope() -> None:
    problems = []
    for fid, factor in load_release(OPEN).factors.items():
        source = factor.source
        if len(source.citation.strip()) < 20:
            problems.append(f"{fid}: source {source.id} has no citation")
        if not 1990 <= factor.year <= 2100:
            problems.append(f"{fid}: year {factor.year}")
        if not REGION_PATTERN.match(factor.region):
            problems.append(f"{fid}: region {factor.region!r}")
        if not (source.scope or "").strip():
            problems.append(f"{fid}: source {source.id} states no scope")
    assert problems == []


def test_the_recycled_material_rows_are_derived_from_published_reductions() -> None:
    """Hand-computed from the primary rows and the reductions in the rows' notes (SOURCES.md,
    "Recycled materials"): value = primary x (1 - mean reduction)."""
    release = load_release(OPEN)
    expected = {
        "nickel_sulfate_recycled": 2.899,  # 5.48 x (1 - (0.362 + 0.58) / 2)
        "cobalt_sulfate_recycled": 4.095,  # 15.0 x (1 - (0.874 + 0.58) / 2)
        "lithium_carbonate_recycled": 9.761,  # 24.1 x (1 - (0.61 + 0.58) / 2)
        "lithium_hydroxide_recycled": 6.966,  # 17.2 x (1 - (0.61 + 0.58) / 2)
        "manganese_sulfate_recycled": 2.163,  # 5.15 x (1 - 0.58)
        "copper_secondary": 1.722,  # 4.1 x (1 - 0.58), an assumption
        "cam_recovered_direct": 15.33,  # 36.5 x (1 - 0.58)
        "graphite_recovered_direct": 4.452,  # 10.6 x (1 - 0.58), an assumption
    }
    for flow, value in expected.items():
        for region in ("CN", "GLO"):
            factor = release.factors[f"{flow}:{region}:2023"]
            assert factor.value == value, factor.id
            assert factor.source.id == "rec-reduction-2026", factor.id
    # The primary rows they were derived from still hold the values used (re-derive if not).
    primaries = {
        "nickel_sulfate:GLO:2023": 5.48,
        "cobalt_sulfate:CN:2023": 15.0,
        "lithium_carbonate_spodumene:CN:2023": 24.1,
        "lithium_hydroxide_spodumene:CN:2023": 17.2,
        "manganese_sulfate:CN:2023": 5.15,
        "copper:GLO:2018": 4.1,
        "cam_ncm811:CN:2023": 36.5,
        "graphite_natural:CN:2023": 10.6,
    }
    assert {fid: release.factors[fid].value for fid in primaries} == primaries
    for source_id in ("rec-ali-2023", "rec-machala-2025"):
        assert release.sources[source_id].scope, source_id
    nickel = release.factors["nickel_sulfate_recycled:CN:2023"].uncertainty
    assert (nickel.minimum, nickel.mode, nickel.maximum) == (2.302, 2.899, 3.496)


# --- the rule can fail ---------------------------------------------------------------------------


def test_the_rule_finds_the_fitted_rows_of_the_releases_that_hold_them() -> None:
    paper = load_release("whitepaper-2023")
    found = fitted_rows(paper)
    assert set(paper.fitted_ids) <= set(found), sorted(set(paper.fitted_ids) - set(found))
    old = fitted_rows(load_release("open-2024.1"))
    recycled = {
        f"{flow}:{region}:2023"
        for flow in (
            "nickel_sulfate_recycled",
            "cobalt_sulfate_recycled",
            "manganese_sulfate_recycled",
            "lithium_hydroxide_recycled",
            "lithium_carbonate_recycled",
            "copper_secondary",
            "cam_recovered_direct",
            "graphite_recovered_direct",
        )
        for region in ("CN", "GLO")
    }
    assert recycled | {"electronics_bms:GLO:2023"} <= set(old)
    assert old["nickel_sulfate_recycled:GLO:2023"].startswith("copies ")


def _with_factor(release: Release, factor: Factor) -> Release:
    return release.model_copy(update={"factors": {**release.factors, factor.id: factor}})


@pytest.mark.parametrize(
    "notes",
    [
        "Electricity back-calculated from the white paper's 2.9 kg CO2e/kWh (fig. 23).",
        "The value that reproduces the paper's fig. 17.",
        "IMPLIED by the white paper: set so that cells are 65 % of the pack.",
        "Calibrated to fig. 23.",
    ],
)
def test_a_fitted_note_slipped_into_the_open_release_is_caught(notes: str) -> None:
    release = load_release(OPEN)
    base = release.factors["nickel_sulfate_recycled:CN:2023"]
    bad = base.model_copy(
        update={
            "id": "nickel_sulfate_recycled:KR:2023",
            "region": "KR",
            "value": 0.123,
            "notes": notes,
        }
    )
    proxy = base.model_copy(
        update={
            "id": "nickel_sulfate_recycled:JP:2023",
            "region": "JP",
            "value": 0.123,
            "notes": "Proxy: the KR row.",
        }
    )
    found = fitted_rows(_with_factor(_with_factor(release, bad), proxy))
    assert set(found) == {bad.id, proxy.id}
    assert found[proxy.id] == f"copies {bad.id}"


def test_a_sentence_that_only_compares_with_the_paper_is_not_fitted() -> None:
    assert says_fitted("Check vs white paper NCM 22.4-31. Fitted lognormal to the spread.") is None
    assert says_fitted("Electricity set so that the model reproduces fig. 17.") is not None
    assert says_fitted("Fitted lognormal to the spread of Ali et al. and Machala et al.") is None


# --- the white-paper release keeps its calibrated values ----------------------------------------


def test_the_white_paper_release_still_lists_its_fitted_rows_and_pins() -> None:
    paper = load_release("whitepaper-2023")
    assert set(paper.fitted_ids) >= {
        "nickel_sulfate:GLO:2022",
        "cobalt_sulfate:GLO:2022",
        "manganese_sulfate:GLO:2022",
        "lithium_hydroxide_spodumene:GLO:2022",
        "iron_phosphate:GLO:2022",
        "electronics_bms:GLO:2022",
        "sulfide_solid_electrolyte:GLO:2022",
    }
    pins = {(p.file, p.key): p.value for p in paper.model_parameters}
    calcination = {
        "LFP": 5.8,
        "NCM111": 9.5,
        "NCM523": 10.0,
        "NCM622": 10.5,
        "NCM811": 11.5,
        "NCA": 11.5,
        "SSB-SULFIDE": 11.5,
    }
    for chemistry, value in calcination.items():
        key = f"chemistry.{chemistry}.calcination_electricity_kwh_per_kg_cam"
        assert pins[("chemistries.toml", key)] == value, key


# --- every number of the model's data files cites a source --------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_NUMBER = re.compile(r"^\s*[A-Za-z0-9_\"-]+\s*=\s*[-+]?(\d|\.\d)")
#: A key listed in a "Sources" comment block: "#   key  citation ..." (graphite.toml's form).
_LISTED = re.compile(r"^#\s{1,4}([a-z][a-z0-9_]*)\s+\S")
_NOT_A_SOURCE = {"assumption"}


def source_keys(text: str, data: dict[str, Any]) -> set[str]:
    """Keys of the file's ``[sources]`` table and of a ``# Sources`` comment block."""
    keys = set(data.get("sources", {}))
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("#") and re.search(r"\bSources\b", line):
            for listed in lines[index + 1 :]:
                if not listed.startswith("#"):
                    break
                if match := _LISTED.match(listed):
                    keys.add(match.group(1))
    return keys


def _tables_citing(data: dict[str, Any], prefix: str = "") -> set[str]:
    """Dotted names of the tables that have a ``sources`` or ``source`` key."""
    names = set()
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else key
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                if "sources" in item or "source" in item:
                    names.add(name)
                names |= _tables_citing(item, name)
    return names


def _cited_keys(data: Any) -> set[str]:
    """Every key a ``sources = [...]`` list or ``source = "..."`` string cites."""
    if isinstance(data, list):
        return set().union(*(_cited_keys(item) for item in data)) if data else set()
    if not isinstance(data, dict):
        return set()
    cited: set[str] = set()
    for key, value in data.items():
        if key == "source" and isinstance(value, str):
            cited.add(value)
        elif key == "sources" and isinstance(value, list):
            cited |= {v for v in value if isinstance(v, str)}
        else:
            cited |= _cited_keys(value)
    return cited


def unsourced(text: str, name: str = "file") -> list[str]:
    """``name:line: [table] line`` of every number with no source, and every unknown key."""
    data = tomllib.loads(text)
    keys = source_keys(text, data)
    problems = [
        f"{name}: cites {key!r}, not a key of its sources"
        for key in sorted(_cited_keys({k: v for k, v in data.items() if k != "sources"}))
        if key not in keys and key not in _NOT_A_SOURCE
    ]
    words = [*sorted(keys, key=len, reverse=True), "assumption", "assumed", "stoichiometr"]
    cite = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, words)) + ")", re.I)
    citing = _tables_citing(data)
    lines = text.splitlines()
    paragraph: dict[int, tuple[int, int]] = {}
    start: int | None = None
    for index, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = index
        elif not line.strip() and start is not None:
            paragraph.update(dict.fromkeys(range(start, index), (start, index)))
            start = None
    table = ""
    for index, line in enumerate(lines):
        if header := _HEADER.match(line):
            table = header.group(1).replace('"', "")
            continue
        if table == "sources" or line.lstrip().startswith("#") or not _NUMBER.match(line):
            continue
        parts = table.split(".")
        if any(".".join(parts[:k]) in citing for k in range(1, len(parts) + 1)):
            continue
        first, end = paragraph[index]
        if not cite.search("\n".join(lines[first:end])):
            problems.append(f"{name}:{index + 1}: [{table}] {line.strip()}")
    return problems


def test_every_number_of_the_model_data_files_cites_a_source() -> None:
    files = sorted(Path(DATA_DIR).glob("*.toml"))
    assert {"chemistries.toml", "defaults.toml"} <= {f.name for f in files}
    problems = [p for f in files for p in unsourced(f.read_text(encoding="utf-8"), f.name)]
    assert problems == []


UNCITED = """
[sources]
wood2015 = "Wood, D.L. et al. (2015). J. Power Sources 275, 234-242."

[electrode]
# areal capacity within the range of wood2015
areal_capacity_mah_per_cm2 = 3.5

np_ratio = 1.1

[chemistry.X]
sources = ["wood2015", "nobody2020"]
cam_fraction = 0.9

[format.pouch]
casing_fraction = 0.03  # laminate (assumption)
"""


def test_the_source_check_names_an_uncited_number_and_an_unknown_key() -> None:
    assert unsourced(UNCITED, "x.toml") == [
        "x.toml: cites 'nobody2020', not a key of its sources",
        "x.toml:9: [electrode] np_ratio = 1.1",
    ]
