"""The read models core defines, found rather than listed, so a new one is never missed."""

import importlib
import inspect
import pkgutil

from pydantic import BaseModel

import core


def core_read_models() -> list[type[BaseModel]]:
    """Every read model core defines: a pydantic class named `...Read` in a core module."""
    found: list[type[BaseModel]] = []
    for module_info in pkgutil.walk_packages(core.__path__, "core."):
        module = importlib.import_module(module_info.name)
        found += [
            value
            for name, value in vars(module).items()
            if name.endswith("Read")
            and inspect.isclass(value)
            and issubclass(value, BaseModel)
            and value.__module__ == module.__name__
        ]
    return found
