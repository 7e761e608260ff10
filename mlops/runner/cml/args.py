"""Command-line options the way CML's yargs reads them, so every flag CML accepts works here.

yargs (strict mode, as CML runs it) accepts ``--name value``, ``--name=value``, camelCase
spellings, ``--no-name`` for booleans, a boolean followed by a literal ``true``/``false``
(any other next word stays a positional: ``--publish report.md`` publishes report.md), and
fills an option missing from the command line from ``CML_<COMMAND>_<OPTION>``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any


class UsageError(Exception):
    """A command line CML itself would reject."""


@dataclass(frozen=True)
class Option:
    kind: str = "str"  # str | bool | number
    default: Any = None
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()


# CML's global options (bin/cml.js); accepted by every command, used by none locally.
GLOBAL = {
    "log": Option(choices=("error", "warn", "info", "debug")),
    "driver": Option(choices=("github", "gitlab", "bitbucket")),
    "repo": Option(),
    "driver-token": Option(aliases=("token",)),
}


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)  # options named on the command line or in env
    positionals: list[str] = field(default_factory=list)


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "-" + m.group(1).lower(), name)


def parse(argv: list[str], options: dict[str, Option], env_prefix: str) -> Parsed:
    """Parse ``argv`` against ``options`` and the global ones; UsageError where yargs fails."""
    spec = {**GLOBAL, **options}
    names: dict[str, str] = {}
    for name, option in spec.items():
        names[name] = name
        for alias in option.aliases:
            names[alias] = name
    parsed = Parsed()
    index = 0
    while index < len(argv):
        token = argv[index]
        index += 1
        if token == "--":
            parsed.positionals.extend(argv[index:])
            break
        if not token.startswith("-") or token == "-":
            parsed.positionals.append(token)
            continue
        key, has_value, value = token.lstrip("-").partition("=")
        key = _kebab(key)
        negated = False
        if key not in names and key.startswith("no-") and key[3:] in names:
            key, negated = key[3:], True
        if key not in names:
            raise UsageError(f"unknown option {token.partition('=')[0]}")
        name = names[key]
        option = spec[name]
        if option.kind == "bool":
            if negated:
                result: Any = False
            elif has_value:
                result = value.lower() != "false"
            elif index < len(argv) and argv[index].lower() in ("true", "false"):
                result = argv[index].lower() == "true"
                index += 1
            else:
                result = True
        else:
            if not has_value:
                if index >= len(argv):
                    raise UsageError(f"option --{name} needs a value")
                value = argv[index]
                index += 1
            result = _typed(name, option, value)
        parsed.values[name] = result
        parsed.given.add(name)
    for name, option in spec.items():
        if name in parsed.values:
            continue
        variable = f"{env_prefix}_{name.upper().replace('-', '_')}"
        if env_prefix and variable in os.environ:
            raw = os.environ[variable]
            parsed.values[name] = (
                raw.lower() not in ("false", "0", "") if option.kind == "bool" else raw
            )
            parsed.given.add(name)
        else:
            parsed.values[name] = option.default
    return parsed


def _typed(name: str, option: Option, value: str) -> Any:
    if option.choices and value not in option.choices:
        raise UsageError(f"--{name}: {value!r} is not one of {', '.join(option.choices)}")
    if option.kind == "number":
        try:
            return int(value)
        except ValueError:
            raise UsageError(f"--{name} expects a number, got {value!r}") from None
    return value
