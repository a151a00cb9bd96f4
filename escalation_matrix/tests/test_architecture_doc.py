"""docs/architecture.md stays the map of the code: every Celery task, beat entry, hook registry and custom signal
is on it, and no file cites a design document that is not in the repository."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
APPS = ("escalation_matrix", "matrix", "incidents", "notifications", "reviews", "bench")
HOOK_MODULES = ("matrix/hooks.py", "incidents/hooks.py")
# Folders that are not the project's own text: the virtualenv, caches, runtime data, vendored assets.
SKIPPED_DIRS = {".venv", ".git", "var", ".ruff_cache", ".hypothesis", ".pytest_cache", "__pycache__", "node_modules",
                "vendor"}
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".js", ".css", ".json", ""}
# A document named in capitals, as the repository's own are (README.md): it must be one of them.
DOCUMENT = re.compile(r"\b([A-Z][A-Z_-]+\.md)\b")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _missing(names) -> list[str]:
    doc = _doc()
    return sorted(name for name in set(names) if not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", doc))


def _project_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if "tests" in parts or "migrations" in parts:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _top_level_functions(tree: ast.Module) -> list[str]:
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


def test_every_celery_task_is_on_the_map():
    from escalation_matrix.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovers every app's tasks
    tasks = [name for name in app.tasks if not name.startswith("celery.")]
    assert "incidents.tasks.timers_tick" in tasks  # the discovery worked: the check below is not vacuous
    assert _missing(tasks) == []


def test_every_beat_entry_and_its_task_is_on_the_map():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule
    assert _missing(schedule) == []
    assert _missing(entry["task"] for entry in schedule.values()) == []


def test_every_hook_registry_is_on_the_map():
    names = []
    for module in HOOK_MODULES:
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        names += [name for name in _top_level_functions(tree) if not name.startswith("_")]
    # Registries kept elsewhere (``incidents.metrics.register_wrong_routing_evidence``) are found by their name.
    for _, tree in _project_modules():
        names += [name for name in _top_level_functions(tree) if name.startswith("register_")]
    assert "register_person_panel" in names and "register_wrong_routing_evidence" in names
    assert _missing(names) == []


def test_every_custom_signal_is_on_the_map():
    signals = []
    for _, tree in _project_modules():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", getattr(node.value.func, "attr", None)) == "Signal"):
                signals += [target.id for target in node.targets if isinstance(target, ast.Name)]
    assert "incident_resolved" in signals and "change_request_submitted" in signals
    assert _missing(signals) == []


def _text_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS]  # never descend into .venv & co.
        for name in files:
            path = Path(folder) / name
            if path.suffix in TEXT_SUFFIXES:
                yield path, path.relative_to(ROOT)


def test_no_file_cites_a_document_the_repository_lacks():
    files = list(_text_files())
    ours = {path.name for path, _relative in files}
    citing = []
    for path, relative in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        citing += [f"{relative}:{number}: {name}" for number, line in enumerate(text.splitlines(), 1)
                   for name in DOCUMENT.findall(line) if name not in ours]
    assert citing == [], "cite docs/architecture.md, docs/guide.md or the module itself instead"
