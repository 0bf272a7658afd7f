"""Publishing: validated records -> a Frictionless Data Package (v2) of CSV and Parquet tables.

The table layout and descriptor are derived from the record models; files are written
atomically.
"""
