"""Build step: ship the published dataset (``datapackage/``) inside the wheel.

``build_py`` copies ``datapackage/`` into ``opencase/data/`` of the build, so that
``opencase.load()`` with no argument opens it from an installed wheel (``pip install .``). An
editable install (``pip install -e .``) reads the checkout's ``datapackage/`` directly (see
``opencase.dataset.bundled_descriptor``). Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATASET = HERE / "datapackage"
SHIPPED = ("datapackage.json", "README.md", "csv", "parquet")


class build_py_with_dataset(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode or not (DATASET / "datapackage.json").is_file():
            return
        dest = Path(self.build_lib) / "opencase" / "data"
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        for name in SHIPPED:
            src = DATASET / name
            if src.is_dir():
                shutil.copytree(src, dest / name)
            elif src.is_file():
                shutil.copy2(src, dest / name)


setup(cmdclass={"build_py": build_py_with_dataset})
