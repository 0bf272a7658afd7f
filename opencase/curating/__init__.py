"""Curating: the verbs a curator uses around the records (start a dataset repository,
register a source snapshot, find a phrase in the snapshots). They build on validation and
reading, and nothing below imports them."""
