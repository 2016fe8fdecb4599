"""The repository keeps each layer in a top-level folder; installed, they are all one import name, `kabar`.

pyproject.toml holds the metadata; this file only maps the folders, since a static `packages` list
would need an edit for every new site package under sites/.
"""

from setuptools import find_packages, setup

LAYERS = ("flows", "tasks", "sites", "warehouse")

setup(
    package_dir={"kabar": "kabar", **{f"kabar.{layer}": layer for layer in LAYERS}},
    packages=["kabar", *(f"kabar.{p}" for p in find_packages(include=[f"{layer}*" for layer in LAYERS]))],
    package_data={
        "kabar.sites": ["*/mirror/**/*", "*/site.toml"],  # site.toml: the demo's configured site
        "kabar.warehouse": ["*.sql", "migrations/*.sql"],
    },
)
