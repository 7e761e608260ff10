"""Read a template's questions and check ``--data`` answers before copier runs.

Copier validates too, but under ``--defaults`` its failures are tracebacks and its
choice errors do not list the allowed values; checking here gives one clear line.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlops.errors import UsageError

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    choices: tuple[str, ...]


def load_questions(template_dir: Path) -> dict[str, Question]:
    """The questions of a local copier template, by name."""
    for name in ("copier.yml", "copier.yaml"):
        config_file = template_dir / name
        if config_file.is_file():
            break
    else:
        raise UsageError(f"{template_dir}: not a copier template (no copier.yml)")
    try:
        config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UsageError(f"{config_file}: invalid YAML: {error}") from None
    questions = {}
    for name, spec in config.items():
        if name.startswith("_"):
            continue
        spec = spec if isinstance(spec, dict) else {"default": spec}
        if spec.get("when") is False:  # set by mlops itself (the component), never asked
            continue
        choices = spec.get("choices") or ()
        values = choices.values() if isinstance(choices, dict) else choices
        questions[name] = Question(
            name=name,
            type=str(spec.get("type", "str")),
            choices=tuple(str(v) for v in values),
        )
    return questions


def check_answers(data: dict[str, str], questions: dict[str, Question]) -> dict[str, Any]:
    """Validate answers against the questions; return them cast to the questions' types."""
    checked: dict[str, Any] = {}
    for key, raw in data.items():
        question = questions.get(key)
        if question is None:
            known = ", ".join(questions)
            raise UsageError(f"--data {key}: unknown question; the questions are: {known}")
        if question.choices and raw not in question.choices:
            allowed = ", ".join(question.choices)
            raise UsageError(f"--data {key}={raw}: not an allowed value; choose one of: {allowed}")
        checked[key] = _cast(question, raw)
    package = checked.get("package_name")
    if isinstance(package, str) and (not package.isidentifier() or keyword.iskeyword(package)):
        raise UsageError(
            f"--data package_name={package}: must be a Python identifier that is not a "
            "Python keyword (letters, digits and '_', not starting with a digit)"
        )
    return checked


def _cast(question: Question, raw: str) -> Any:
    if question.type == "bool":
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise UsageError(f"--data {question.name}={raw}: expected true or false")
    if question.type in ("int", "float"):
        try:
            return int(raw) if question.type == "int" else float(raw)
        except ValueError:
            raise UsageError(
                f"--data {question.name}={raw}: expected a number ({question.type})"
            ) from None
    return raw
