"""YAML in and out: block style, literal blocks for multi-line text, line numbers kept for error messages."""

from __future__ import annotations

import yaml

from .errors import MatrixFileError

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class LineDict(dict):
    """A mapping read from YAML, remembering its own line and each field's line (1-based)."""

    line: int | None = None
    lines: dict[str, int]


class _Loader(_BaseLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            raise yaml.constructor.ConstructorError(
                None, None, "a field name must be plain text", key_node.start_mark
            )
        if key in data:
            # PyYAML silently keeps the last of two equal keys; in a matrix file that hides a mistake.
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate field {key!r} in one mapping", key_node.start_mark
            )
        data[key] = loader.construct_object(value_node, deep=True)
        if isinstance(key, str):
            data.lines[key] = value_node.start_mark.line + 1


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load(text: str) -> object:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "cannot be read"
        raise MatrixFileError([f"invalid YAML{where}: {problem}"]) from exc
    except yaml.YAMLError as exc:
        raise MatrixFileError([f"invalid YAML: {exc}"]) from exc


class _Dumper(_BaseDumper):
    pass


def _represent_str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    # Multi-line text (playbooks, templates) as literal blocks, so a diff shows the changed line.
    # PyYAML falls back to a quoted style by itself where a block cannot hold the text exactly.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump(data: dict) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1_000_000
    )
