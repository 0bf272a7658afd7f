"""The record language: the models of each kind, their fields and vocabularies, and EDTF dates.

The one hand-written schema of opencase. Imports nothing from the other stages.
"""
