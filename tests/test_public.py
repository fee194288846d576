"""Tests for the public surface: the kg package's exports, the CLI's commands and their help,
the README, and the plugin registries and their entry points."""
from __future__ import annotations

import argparse
import importlib.metadata
import re

import pytest
from conftest import ROOT

import kg
from kg import plugins
from kg.cli import EXPORT_FORMATS, build_parser
from kg.errors import PluginNotFound

CURATED = ["KnowledgeGraph", "IngestReport", "ReadOptions", "Article", "Entity", "Relation", "Mention",
           "Extraction", "KGError", "__version__"]
COMMANDS = ["ingest", "extract", "query", "export", "facts", "stats", "entity", "search",
            "neighbours", "path", "timeline", "rank", "validate", "eval", "calibrate", "serve", "demo"]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_all_is_the_curated_list_and_every_name_exists():
    assert sorted(kg.__all__) == sorted(CURATED)
    assert len(kg.__all__) == len(set(kg.__all__))
    for name in kg.__all__:
        assert hasattr(kg, name), name
    namespace: dict = {}
    exec("from kg import *", namespace)
    assert set(CURATED) <= set(namespace)


def test_public_names_are_the_real_objects():
    from kg.api import IngestReport, KnowledgeGraph
    from kg.errors import KGError
    from kg.model import Article

    assert (kg.KnowledgeGraph, kg.IngestReport, kg.KGError, kg.Article) == (KnowledgeGraph, IngestReport,
                                                                            KGError, Article)


def test_version_matches_the_distribution():
    assert kg.__version__ == importlib.metadata.version("ai-industry-kg")


def test_the_cli_has_exactly_the_documented_commands():
    assert sorted(subcommands()) == sorted(COMMANDS)


def test_readme_shows_every_command():
    readme = (ROOT / "README.md").read_text("utf-8")
    lines = readme.splitlines()
    missing = [name for name in subcommands()
               if not any(re.search(rf"\bkg {re.escape(name)}\b", line) for line in lines)]
    assert missing == [], f"README.md has no line with 'kg <name>' for: {missing}"


@pytest.mark.parametrize("name", COMMANDS)
def test_help_of_each_command_has_an_example(name, run_cli):
    r = run_cli(name, "--help")
    assert r.code == 0
    assert r.out.startswith(f"usage: kg {name}")
    example = [line for line in r.out.splitlines() if line.strip().startswith("example:")]
    assert example, r.out
    assert f"kg {name}" in example[0]


def test_top_level_help_lists_every_command(run_cli):
    r = run_cli("--help")
    assert r.code == 0
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s", r.out, re.M), name


def test_version_flag(run_script):
    p = run_script("--version")
    assert (p.returncode, p.stdout.strip()) == (0, f"kg {kg.__version__}")


# -- plugins ---------------------------------------------------------------------------------------
def test_exporters_include_all_nine_formats():
    assert set(plugins.available("kg.exporters")) >= set(EXPORT_FORMATS)
    assert len(EXPORT_FORMATS) == 9
    assert plugins.available("kg.readers") == ["csv", "feed", "html", "jsonl", "markdown", "text", "url"]
    assert "rules.v1" in plugins.available("kg.extractors")


@pytest.mark.parametrize("group", ["kg.exporters", "kg.readers", "kg.extractors"])
def test_unknown_plugin_lists_the_available_names(group):
    with pytest.raises(PluginNotFound) as info:
        plugins.load(group, "no-such-plugin")
    msg = str(info.value)
    assert "'no-such-plugin'" in msg
    assert msg.endswith("available: " + ", ".join(plugins.available(group)))


def test_load_returns_the_registered_objects():
    from exports.rdf import write_turtle
    from ingest.extract import RuleExtractor
    from ingest.readers import read_markdown

    assert plugins.load("kg.exporters", "ttl") is write_turtle
    assert plugins.load("kg.readers", "markdown") is read_markdown
    assert plugins.load("kg.extractors", "rules.v1") is RuleExtractor


def test_entry_points_are_installed():
    """The package metadata registers the built-ins exactly like a third-party plugin would."""
    for group, names in (("kg.readers", {"text", "markdown", "html", "feed", "jsonl", "csv", "url"}),
                         ("kg.exporters", set(EXPORT_FORMATS)),
                         ("kg.extractors", {"rules.v1"})):
        eps = {ep.name: ep for ep in importlib.metadata.entry_points(group=group)}
        assert names <= set(eps), group
        for name in names:
            assert eps[name].value == plugins.BUILTIN[group][name]
            assert eps[name].load() is plugins.load(group, name)
