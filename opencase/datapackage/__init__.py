"""Any Frictionless Data Package (v2): the descriptor, safe paths and hashes, ``load`` and
``check``. Knows nothing of opencase's record models (an import-linter contract holds this).
"""
