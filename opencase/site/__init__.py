"""The static website of a published case package (``opencase site``): every value next to the
highlighted source passage it rests on. Reads packages through :mod:`opencase.dataset`;
:func:`opencase.build_site` (in :mod:`opencase.site.build`) writes it."""
