"""Where the built-in sample corpus lives (installed package or source checkout)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from kg.errors import ConfigError


def samples_dir() -> Path:
    packaged = Path(str(resources.files("kg").joinpath("samples")))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "samples"
    if checkout.is_dir():
        return checkout
    raise ConfigError("the sample corpus was not found; pass --samples DIR")
