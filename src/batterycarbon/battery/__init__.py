"""The battery product model: design document, bill of materials, product system, footprint."""

from batterycarbon.battery.design import Design, bundled_design_ids, load_design, parse_design
from batterycarbon.battery.footprint import Footprint, footprint
from batterycarbon.battery.inventory import BatterySystem, build_system
from batterycarbon.battery.options import AccountingPolicy, Options

__all__ = [
    "AccountingPolicy", "BatterySystem", "Design", "Footprint", "Options", "build_system", "bundled_design_ids",
    "footprint", "load_design", "parse_design",
]  # fmt: skip
