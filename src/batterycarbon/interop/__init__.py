"""Exchange background databases and product systems with openLCA and Brightway.

- :func:`read_olca_zip` / :func:`write_olca_zip`: openLCA JSON-LD zip archives (olca-schema 2,
  schema-1 field names read too); no extra package needed.
- :func:`read_bw_datapackage` / :func:`write_bw_datapackage`: Brightway 2.5 datapackages
  (``bw_processing``, from the ``interop`` extra: ``pip install 'batterycarbon[interop]'``).
- :func:`link_background`: replace a battery model's library-factor processes by processes of an
  imported database (e.g. a licensed ecoinvent release) and solve the combined system.

Everything read becomes an :class:`ImportedSystem`: a :class:`~batterycarbon.lca.ProductSystem`
per reference unit of each process, elementary flows characterized in kg CO2e per unit (IPCC AR6
GWP100 by default, :mod:`batterycarbon.interop.gwp`), with names and reference units.
"""

from batterycarbon.interop.brightway import read_bw_datapackage, write_bw_datapackage
from batterycarbon.interop.common import (
    ImportedSystem,
    InteropError,
    MissingDependencyError,
)
from batterycarbon.interop.gwp import AR6_GWP100, default_factor
from batterycarbon.interop.linking import link_background
from batterycarbon.interop.olca import read_olca_zip
from batterycarbon.interop.olca_export import IMPACT_CATEGORY, system_digest, write_olca_zip

__all__ = [
    "AR6_GWP100", "IMPACT_CATEGORY", "ImportedSystem", "InteropError", "MissingDependencyError",
    "default_factor", "link_background", "read_bw_datapackage", "read_olca_zip",
    "system_digest", "write_bw_datapackage", "write_olca_zip",
]  # fmt: skip
