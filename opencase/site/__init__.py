"""The static website of a published case package (``opencase site``): every value next to the
highlighted source passage it rests on. Reads packages through :mod:`opencase.dataset`."""
