"""Column-wise Table Schema machinery shared by ``load`` and ``check``: reading CSV and
Parquet, casting values, constraints and keys.
"""
