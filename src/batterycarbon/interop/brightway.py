"""Brightway 2.5 datapackages (bw_processing) in and out.

A datapackage holds matrix data as vectors: for each resource group of a matrix, an ``indices``
array of ``(row, col)`` integer ids, a ``data`` array and optionally a ``flip`` array (the value
enters the matrix negated) and a ``rescale`` array. Brightway's conventions match the engine's:
``technosphere_matrix`` has products on rows and activities on columns, production positive and
inputs negative; ``biosphere_matrix`` has elementary flows on rows; ``characterization_matrix``
is diagonal over elementary flows (kg CO2e per unit of the flow for a climate method).

Read: the packages bw2data writes for every database and LCIA method
(``bw2data.Database(name).filepath_processed()``, ``bw2data.Method(m).filepath_processed()``),
or the ones :func:`write_bw_datapackage` writes. Duplicate elements are summed inside a resource
group and replaced across groups, unless a package says otherwise (``sum_intra_duplicates``,
``sum_inter_duplicates``), and characterization rows are kept only for the ``global_index``
column when one is given: the rules bw2calc applies. Only static, persistent vectors are read
(as bw2calc does for a deterministic calculation); Monte Carlo arrays and dynamic interfaces
are not. bw2io's Excel/CSV exports and ``.bw2package`` files are not read: write processed
datapackages from bw2data instead.

Write: one package with the three matrices and a ``batterycarbon_labels`` JSON resource naming
the processes and flows behind the integer ids; bw2calc computes the same score from it.

References
----------
Mutel, C. (2017). Brightway: An open source framework for Life Cycle Assessment. Journal of Open
Source Software 2(12), 236. https://doi.org/10.21105/joss.00236
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from batterycarbon.errors import InputError
from batterycarbon.interop.common import (
    ExportSource,
    ImportedSystem,
    InteropError,
    export_labels,
    require,
)
from batterycarbon.interop.gwp import default_factor
from batterycarbon.lca import ProductSystem

MATRICES = ("technosphere_matrix", "biosphere_matrix", "characterization_matrix")
LABELS = "batterycarbon_labels"
PURPOSE = "Reading or writing Brightway datapackages"
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
#: (rows, cols, values) of one matrix, as ids and floats.
Triplets = tuple[IntArray, IntArray, FloatArray]


def _open(bwp: Any, source: Any) -> Any:
    """A bw_processing Datapackage from a datapackage, filesystem, zip path or directory."""
    if hasattr(source, "resources"):
        return source
    label = str(source)
    try:
        if isinstance(source, str | Path):
            path = Path(source).resolve()
            if path.is_dir():
                source = bwp.generic_directory_filesystem(dirpath=path)
            elif path.is_file():
                source = bwp.generic_zipfile_filesystem(
                    dirpath=path.parent, filename=path.name, write=False
                )
            else:
                raise InteropError(label, ["(path): no such file or directory"])
        return bwp.load_datapackage(source)
    except InteropError:
        raise
    except Exception as exc:  # bw_processing and fsspec raise many types for a bad package
        raise InteropError(
            label, [f"datapackage.json: cannot be loaded ({type(exc).__name__}: {exc})"]
        ) from None


def _aggregate(rows: IntArray, cols: IntArray, vals: FloatArray, summed: bool) -> Triplets:
    """One value per (row, col): the sum of duplicates, or the last one given."""
    keys = np.stack([rows, cols], axis=1)
    if summed:
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        summed_values = np.bincount(inverse.ravel(), weights=vals, minlength=len(unique))
        values: FloatArray = np.asarray(summed_values, dtype=np.float64)
    else:
        unique, first = np.unique(keys[::-1], axis=0, return_index=True)
        values = np.asarray(vals[::-1][first], dtype=np.float64)
    return unique[:, 0], unique[:, 1], values


def _array(package: Any, name: str) -> Any:
    """The data of resource ``name`` (proxies resolved), or None if the package has none."""
    try:
        return package.get_resource(name)[0]
    except KeyError:
        return None


def _groups(package: Any, source: str, problems: list[str]) -> dict[str, list[Triplets]]:
    """The static vector resource groups of one package, by matrix, as signed triplets."""
    found: dict[str, list[Triplets]] = {m: [] for m in MATRICES}
    for resource in package.resources:
        matrix, group = resource.get("matrix"), resource.get("group")
        if matrix not in MATRICES or resource.get("kind") != "indices":
            continue
        if resource.get("category") != "vector" or resource.get("profile") == "interface":
            continue  # arrays and interfaces: not part of a static calculation
        where = f"{source}: resource {resource['name']!r}"
        indices = _array(package, resource["name"])
        names = getattr(indices, "dtype", np.dtype(float)).names or ()
        if "row" not in names or "col" not in names:
            problems.append(f"{where}: indices: expected a structured array with 'row' and 'col'")
            continue
        data, flip = _array(package, f"{group}.data"), _array(package, f"{group}.flip")
        rescale = _array(package, f"{group}.rescale")
        ok = isinstance(data, np.ndarray) and data.shape == indices.shape
        ok = ok and (flip is None or (isinstance(flip, np.ndarray) and flip.shape == indices.shape))
        if not ok or not np.all(np.isfinite(np.asarray(data, dtype=float))):
            problems.append(
                f"{where}: data/flip: expected finite arrays of {indices.shape[0]} values "
                f"(got data {getattr(data, 'shape', data)!r}, flip {getattr(flip, 'shape', flip)!r})"
            )
            continue
        values = np.asarray(data, dtype=np.float64)
        if flip is not None:
            values = np.where(np.asarray(flip, dtype=bool), -values, values)
        if rescale is not None:
            values = values * np.asarray(rescale, dtype=np.float64)
        rows, cols = indices["row"].astype(np.int64), indices["col"].astype(np.int64)
        if matrix == "characterization_matrix" and "global_index" in resource:
            keep = cols == resource["global_index"]  # site-generic factors only, as bw2calc
            rows, cols, values = rows[keep], cols[keep], values[keep]
        summed = bool(package.metadata.get("sum_intra_duplicates", True))
        found[matrix].append(_aggregate(rows, cols, values, summed))
    return found


def _labels(package: Any) -> dict[str, dict[str, str]]:
    for resource, data in zip(package.resources, package.data, strict=True):
        if resource.get("name") == LABELS and isinstance(data, dict):
            return {key: dict(value) for key, value in data.items() if isinstance(value, dict)}
    return {}


def _pair_products(rows: IntArray, cols: IntArray, vals: FloatArray, source: str) -> IntArray:
    """Product id made by each activity (sorted by activity id), for a square technosphere.

    Where products and activities share ids (bw2data's usual case) that is the identity; else
    each activity must have exactly one positive (production) entry, on a product of its own.
    """
    activities, products = np.unique(cols), np.unique(rows)
    if np.array_equal(activities, products):
        return activities
    problems = []
    if len(activities) != len(products):
        problems.append(
            f"technosphere_matrix: {len(products)} products (rows) but {len(activities)} "
            "activities (columns); expected a square system: pass every package it needs"
        )
    made_rows, made_cols = rows[vals > 0], cols[vals > 0]
    made_by, count = np.unique(made_cols, return_counts=True)
    single = made_by[count == 1]
    bad = np.setdiff1d(activities, single)
    once = np.isin(made_cols, single)
    made = made_rows[once][np.argsort(made_cols[once])]
    if not problems and (len(bad) or len(np.unique(made)) != len(made)):
        problems.append(
            "technosphere_matrix: cannot pair products with activities: activities "
            f"{bad[:5].tolist() or 'sharing a product'} do not have exactly one production "
            "entry (positive value) of their own"
        )
    if problems:
        raise InteropError(source, problems)
    return np.asarray(made, dtype=np.int64)


def read_bw_datapackage(
    *sources: Any, characterization: Mapping[int | str, float] | None = None
) -> ImportedSystem:
    """Read one or more Brightway datapackages into an :class:`ImportedSystem`.

    ``sources`` are ``bw_processing`` datapackages, fsspec filesystems, ``.zip`` files or
    directories: typically a database package (technosphere and biosphere) and a climate-change
    method package (characterization, kg CO2e per unit of each elementary flow). Without a method
    package, ``characterization`` gives the factors by elementary-flow id (int) or label; if the
    package names its flows (as :func:`write_bw_datapackage` does), IPCC AR6 GWP100 by name is
    the default.

    Process ids are the activity ids as strings (``"1234"``), or the labels the package carries.

    Raises
    ------
    InteropError
        A package cannot be loaded or a matrix resource is malformed (names package, resource
        and field); the technosphere is not square.
    MissingDependencyError
        ``bw_processing`` is not installed.
    """
    bwp = require("bw_processing", PURPOSE)
    if not sources:
        raise InputError("brightway", ["sources: expected at least one datapackage"])
    name = ", ".join(str(s) for s in sources)
    problems: list[str] = []
    merged: dict[str, Triplets | None] = dict.fromkeys(MATRICES)
    labels: dict[str, dict[str, str]] = {}
    for source in sources:
        package = _open(bwp, source)
        replace = not package.metadata.get("sum_inter_duplicates", False)
        for matrix, groups in _groups(package, str(source), problems).items():
            for triplets in groups:
                before = merged[matrix]
                if before is not None:  # later groups replace (or add to) earlier elements
                    rows, cols, vals = (
                        np.concatenate(pair) for pair in zip(before, triplets, strict=True)
                    )
                    triplets = _aggregate(rows, cols, vals, summed=not replace)
                merged[matrix] = triplets
        for key, values in _labels(package).items():
            labels.setdefault(key, {}).update(values)
    if merged["technosphere_matrix"] is None:
        problems.append("technosphere_matrix: no static vector resource in any package")
    if problems:
        raise InteropError(name, problems)
    return _system(name, merged, labels, characterization)


def _positions(ids: IntArray, wanted: IntArray) -> IntArray:
    """Position in ``ids`` of each of ``wanted`` (all present)."""
    order = np.argsort(ids)
    return np.asarray(order[np.searchsorted(ids, wanted, sorter=order)], dtype=np.int64)


def _system(
    source: str,
    merged: dict[str, Triplets | None],
    labels: dict[str, dict[str, str]],
    characterization: Mapping[int | str, float] | None,
) -> ImportedSystem:
    rows, cols, vals = merged["technosphere_matrix"] or _empty()
    products = _pair_products(rows, cols, vals, source)
    activities = np.unique(cols)
    n = len(activities)
    a = sp.csc_matrix(
        (vals, (_positions(products, rows), _positions(activities, cols))), shape=(n, n)
    )
    brows, bcols, bvals = merged["biosphere_matrix"] or _empty()
    keep = np.isin(bcols, activities)  # as bw2calc: exchanges of unknown activities are dropped
    brows, bcols, bvals = brows[keep], bcols[keep], bvals[keep]
    flows = np.unique(brows)
    b = sp.csr_matrix(
        (bvals, (_positions(flows, brows), _positions(activities, bcols))), shape=(len(flows), n)
    )
    named = labels.get("processes", {})
    process_ids = tuple(named.get(str(i), str(i)) for i in activities)
    flow_ids = tuple(labels.get("flows", {}).get(str(i), str(i)) for i in flows)
    flow_names = {f: labels.get("flow_names", {}).get(f, f) for f in flow_ids}
    c = _characterize(merged["characterization_matrix"], flows, flow_names, characterization)
    if len(flows) and not np.any(c):
        raise InputError(
            source,
            ["characterization: no elementary flow has a factor; add a method package with a "
             "characterization_matrix or pass characterization={flow id or label: kg CO2e}"],
        )  # fmt: skip
    return ImportedSystem(
        system=ProductSystem(process_ids, a, b, c, flow_ids),
        process_names={p: labels.get("process_names", {}).get(p, p) for p in process_ids},
        reference_units=dict(labels.get("reference_units", {})),
        flow_names=flow_names,
        source=source,
    )


def _characterize(
    matrix: Triplets | None,
    flows: IntArray,
    flow_names: dict[str, str],
    characterization: Mapping[int | str, float] | None,
) -> FloatArray:
    """kg CO2e per unit of each flow: the mapping given, else the characterization matrix, else
    IPCC AR6 GWP100 by flow name (names are known only from packages that carry labels)."""
    flow_ids = list(flow_names)
    if characterization is not None:
        return np.array(
            [float(characterization.get(int(i), characterization.get(f, 0.0)))
             for i, f in zip(flows, flow_ids, strict=True)]
        )  # fmt: skip
    if matrix is None:
        return np.array([default_factor(name) for name in flow_names.values()])
    rows, _, vals = matrix
    known = np.isin(rows, flows)  # as bw2calc: factors of flows not in the inventory drop
    c = np.zeros(len(flows))
    np.add.at(c, _positions(flows, rows[known]), vals[known])
    return c


def _empty() -> Triplets:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)


def _indices(bwp: Any, rows: IntArray, cols: IntArray) -> Any:
    indices = np.empty(len(rows), dtype=bwp.INDICES_DTYPE)
    indices["row"], indices["col"] = rows, cols
    return indices


def _target(bwp: Any, target: Any) -> Any:
    """An fsspec filesystem for ``target``: a ``.zip`` path, a directory path or a filesystem."""
    if not isinstance(target, str | Path):
        return target
    path = Path(target)
    if path.suffix == ".zip":
        return bwp.generic_zipfile_filesystem(dirpath=path.parent.resolve(), filename=path.name)
    return bwp.generic_directory_filesystem(dirpath=path.resolve())


def write_bw_datapackage(
    source: ExportSource, target: Any, *, name: str = "batterycarbon"
) -> dict[str, int]:
    """Write ``source`` as a Brightway datapackage bw2calc can compute.

    ``target`` is a ``.zip`` path, a directory path (created if its parent exists) or an fsspec
    filesystem. Activities get ids 1..n in process order and are their own products; elementary
    flows get ids n+1..n+k. Returns the activity id of each process id, for a bw2calc demand such
    as ``{ids["pack"]: 1}``.

    Raises
    ------
    MissingDependencyError
        ``bw_processing`` is not installed.
    """
    bwp = require("bw_processing", PURPOSE)
    system, labels = export_labels(source)
    n = system.size
    ids = {pid: j + 1 for j, pid in enumerate(system.process_ids)}
    package = bwp.create_datapackage(
        fs=_target(bwp, target), name=bwp.clean_datapackage_name(name),
        sum_intra_duplicates=True, sum_inter_duplicates=False,
    )  # fmt: skip
    a = sp.coo_matrix(system.technosphere)
    package.add_persistent_vector(
        matrix="technosphere_matrix", name="technosphere",
        indices_array=_indices(bwp, a.row + 1, a.col + 1),
        data_array=np.abs(a.data).astype(np.float64), flip_array=a.data < 0,
    )  # fmt: skip
    b = sp.coo_matrix(system.biosphere)
    if b.nnz:
        package.add_persistent_vector(
            matrix="biosphere_matrix", name="biosphere",
            indices_array=_indices(bwp, b.row + n + 1, b.col + 1),
            data_array=b.data.astype(np.float64),
        )  # fmt: skip
    factors = np.flatnonzero(system.characterization)
    if len(factors):
        package.add_persistent_vector(
            matrix="characterization_matrix", name="characterization",
            indices_array=_indices(bwp, factors + n + 1, factors + n + 1),
            data_array=np.asarray(system.characterization, dtype=np.float64)[factors],
        )  # fmt: skip
    package.add_json_metadata(
        name=LABELS, valid_for="technosphere",
        data={
            "processes": {str(i): pid for pid, i in ids.items()},
            "flows": {str(n + 1 + k): fid for k, fid in enumerate(system.flow_ids)},
            "process_names": labels.process_names, "reference_units": labels.process_units,
            "flow_names": labels.flow_names,
        },
    )  # fmt: skip
    package.finalize_serialization()
    return ids
