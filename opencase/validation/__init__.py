"""Validation: the checks on a set of records, and quotes matched against source snapshots."""
