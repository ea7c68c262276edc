from __future__ import annotations

import dataclasses
import re

import pytest

import storyline
from storyline.errors import ConfigError
from storyline.settings import SETTINGS, Settings, load_settings

from .conftest import ROOT


def test_every_setting_is_declared_once_with_a_matching_default() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert fields == {s.name: s.default for s in SETTINGS}


def test_environment_and_overrides() -> None:
    s = load_settings({"min_words": "30"}, env={"STORYLINE_MIN_WORDS": "5", "STORYLINE_THREADS": "1"})
    assert s.min_words == 30 and s.threads == 1
    assert s.replace(threads=4).threads == 4
    with pytest.raises(ConfigError, match="unknown setting 'nope'"):
        load_settings({"nope": 1})
    with pytest.raises(ConfigError, match="must be a int"):
        load_settings({"threads": "many"})


def test_every_setting_and_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, f"setting {setting.name} missing from README"
    from storyline.cli import main

    for name in main.commands:
        assert re.search(rf"storyline {name}\b", readme), f"command {name} missing from README"
    assert "make run" in readme and "make test" in readme


def test_public_api_is_small_and_explicit() -> None:
    import inspect

    exported = {
        name for name in dir(storyline) if not name.startswith("_") and not inspect.ismodule(getattr(storyline, name))
    }
    assert set(storyline.__all__) == exported | {"__version__"}
    assert len(storyline.__all__) < 40
