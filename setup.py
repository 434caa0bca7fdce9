"""The optional C speed-ups of the file scanner; everything else about the package is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "mamori.discovery.engine._speedups",
            ["src/mamori/discovery/engine/_speedups.c"],
            optional=True,  # without a C compiler the pure-Python versions in native.py run instead
        )
    ]
)
