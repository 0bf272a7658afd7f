"""The version of opencase (the package; the dataset has its own, in package.yaml)."""

__version__ = "0.1.0"
