"""Compliance and exchange: rule sets side by side, the EU declaration, classes, passport, PACT.

- :mod:`.standards`: :func:`compare` a design under every rule set, :func:`reconcile` them.
- :mod:`.inputs`: use profile, battery category and study link beside the design.
- :mod:`.classes`: performance classes and thresholds as dated data ("not yet defined").
- :mod:`.declaration`: the Annex II declaration of Regulation (EU) 2023/1542.
- :mod:`.passport`: Battery Pass 1.2 carbon-footprint aspect, validated with its JSON Schema.
- :mod:`.pact`: PACT v2 ProductFootprint export and import.
- :mod:`.declare`: the declaration, its PDF and the passport written together.
"""

from __future__ import annotations
