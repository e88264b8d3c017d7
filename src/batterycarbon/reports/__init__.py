"""Charts and printable reports."""
