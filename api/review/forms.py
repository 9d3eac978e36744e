"""HTML forms derived from the pydantic models of the API's request bodies, and posted forms read back into bodies.

One convention for every form of the pages (docs/api.md "Review pages"): an input is named by the JSON path of its
value in the API's body — `served_on`, `items[0].text`, `terms.<topic>.<field>`, `worker_side[2].is_chief` — so
that a violation's `path` names the input it belongs to. Blank inputs are left out of the body (the model's default
applies, or the API says the field is missing); a checkbox sends `true` when ticked and is false otherwise; a list of
plain values (`channels`) is one text area, one value a line; a list of objects is a table of rows
`name[i].field` in which a row left blank is dropped, the rows after it moving up. A model's field titles
(`Field(title="…")`) are the labels, its `Words` markers and literals the choices, so a new event, topic or field
gets its form without page code.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from api.review.labels import CLAUSE_TITLES
from negotiation.errors import Violation
from negotiation.event_data import ItemText
from negotiation.formats import RequiredText, Text
from negotiation.terms import TOPIC_TITLES
from negotiation.vocabularies import VOCABULARIES, Words

__all__ = [
    "Form",
    "FormContext",
    "Input",
    "Option",
    "blank_rows_asked",
    "input_for",
    "inputs_for",
    "place_errors",
    "read_body",
    "read_field",
    "rows_of",
    "violation_text",
]

Form = Mapping[str, Sequence[str]]
MAX_ROWS = 100
# Text types of free text (a text area rather than one line): their validators, as the models carry them.
_LONG_TEXT = {id(m) for t in (Text, RequiredText, ItemText) for m in get_args(t)[1:]}
_ID = re.compile(r"[^A-Za-z0-9_-]+")
_INDEX = re.compile(r"\.(\d+)(?=\.|$)")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass
class Input:
    """One input of a form, or a group, a table of rows or a row of one, with what it shows and any error beside it."""

    name: str
    label: str
    kind: str  # text long_text date integer decimal checkbox select choices lines group rows row
    form: str
    required: bool = False
    value: Any = ""
    options: list[Option] = field(default_factory=list)
    children: list[Input] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    hint: str = ""
    # Inputs shown inside a group or table after its own (a topic's extra fields, after its section).
    extras: list[Input] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The element id: unique on the page (the form's key, then the name)."""
        return f"{self.form}-{_ID.sub('-', self.name)}".rstrip("-")

    def walk(self) -> list[Input]:
        """This input and everything under it."""
        return [self, *(i for c in (*self.children, *self.extras) for i in c.walk())]


@dataclass
class FormContext:
    """What a form needs besides its model: its key, the case's clauses, choices that come from the case."""

    form: str
    # The clauses a clause-like choice (a topic, `term`, `general`) may take: the case's; None for every one.
    clauses: Sequence[str] | None = None
    # Choices by field name that come from the database (the case's enterprises, organisations for a new case).
    choices: Mapping[str, list[Option]] = field(default_factory=dict)
    # Rows a table shows at least, by path (a side's representatives: the legal minimum).
    min_rows: Mapping[str, int] = field(default_factory=dict)
    # Blank rows a table shows at least, by path (asked for with 再加一行).
    blank_rows: Mapping[str, int] = field(default_factory=dict)
    # Which fields the form shows, by path (a draft shows the case's topics only).
    keep: Callable[[str], bool] = lambda path: True
    skip: tuple[str, ...] = ("expected_version",)


@dataclass(frozen=True)
class _Shape:
    kind: str
    model: type[BaseModel] | None = None
    values: tuple[str, ...] = ()
    words: str | None = None
    integers: bool = False
    max_items: int = MAX_ROWS


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    while True:
        if get_origin(annotation) is Annotated:
            args = get_args(annotation)
            annotation, metadata = args[0], [*metadata, *args[1:]]
        elif get_origin(annotation) in (Union, types.UnionType):
            kept = [a for a in get_args(annotation) if a is not type(None)]
            if len(kept) != 1:
                return annotation, metadata
            annotation = kept[0]
        else:
            return annotation, metadata


def _shape(annotation: Any, metadata: list[Any]) -> _Shape | None:
    annotation, metadata = _unwrap(annotation, metadata)
    words = next((m.name for m in metadata if isinstance(m, Words)), None)
    longest = next((m.max_length for m in metadata if isinstance(getattr(m, "max_length", None), int)), MAX_ROWS)
    if get_origin(annotation) is Literal:
        return _Shape("select", values=tuple(str(v) for v in get_args(annotation)), words=words)
    if annotation is bool:
        return _Shape("checkbox")
    if annotation is int:
        return _Shape("integer")
    if annotation is Decimal:
        return _Shape("decimal")
    if annotation is date:
        return _Shape("date")
    if annotation is str:
        if words is not None:
            return _Shape("select", values=tuple(VOCABULARIES[words]), words=words)
        return _Shape("long_text" if any(id(m) in _LONG_TEXT for m in metadata) else "text")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _Shape("group", model=annotation)
    if get_origin(annotation) is list:
        item = _shape(get_args(annotation)[0], [])
        if item is None:
            return None
        if item.kind == "group":
            return _Shape("rows", model=item.model, max_items=min(longest, MAX_ROWS))
        if item.kind == "select":
            return _Shape("choices", values=item.values, words=item.words)
        return _Shape("lines", integers=item.kind == "integer", max_items=longest)
    return None


def _clause_like(values: Sequence[str]) -> bool:
    return bool(values) and set(values) <= set(CLAUSE_TITLES)


def _options(name: str, shape: _Shape, ctx: FormContext) -> list[Option]:
    if name in ctx.choices:
        return list(ctx.choices[name])
    if _clause_like(shape.values):
        allowed = shape.values if ctx.clauses is None else [v for v in ctx.clauses if v in shape.values]
        return [Option(v, CLAUSE_TITLES[v]) for v in allowed]
    words = VOCABULARIES.get(shape.words or "", {})
    return [Option(v, words.get(v, v)) for v in shape.values]


def _kind(name: str, shape: _Shape, ctx: FormContext) -> str:
    """How a field is entered: a field with choices from the database is chosen from them."""
    if name in ctx.choices:
        return "choices" if shape.kind in ("lines", "choices") else "select"
    return shape.kind


def _is_key(name: str, shape: _Shape, ctx: FormContext) -> bool:
    """A choice that says which thing a row is about (a clause, an enterprise): a row of only its key is blank."""
    kind = _kind(name, shape, ctx)
    return kind == "select" and (name in ctx.choices or _clause_like(shape.values))


def _text(value: Any) -> str:
    return "" if value is None or value is MISSING else str(value)


def input_for(name: str, annotation: Any, info: FieldInfo, value: Any, ctx: FormContext, prefix: str = "") -> Input | None:
    """The input of one field of a model, showing `value` (the JSON value, or MISSING for the field's default)."""
    path = f"{prefix}.{name}" if prefix else name
    shape = _shape(annotation, list(info.metadata))
    if shape is None or not ctx.keep(path):
        return None
    if value is MISSING and not info.is_required():
        default = info.get_default(call_default_factory=True)
        value = default if default is not None else MISSING
    kind = _kind(name, shape, ctx)
    label = info.title or TOPIC_TITLES.get(name) or name
    found = Input(name=path, label=label, kind=kind, form=ctx.form, required=info.is_required())
    if kind in ("text", "long_text", "date", "integer", "decimal"):
        found.value = _text(value)
    elif kind == "checkbox":
        found.value = value is True
    elif kind == "select":
        found.value = _text(value)
        found.options = _options(name, shape, ctx)
        if found.value and found.value not in {o.value for o in found.options}:
            found.options.append(Option(found.value, found.value))
        optional = not found.required and info.get_default(call_default_factory=True) is None
        if optional or not found.value:
            found.options.insert(0, Option("", "（不填）" if optional else "（请选择）"))
    elif kind == "choices":
        found.value = [_text(v) for v in value] if isinstance(value, list) else []
        found.options = _options(name, shape, ctx)
    elif kind == "lines":
        found.value = "\n".join(_text(v) for v in value) if isinstance(value, list) else _text(value)
        found.hint = "每行填写一项"
    elif kind == "group":
        assert shape.model is not None
        found.children = inputs_for(shape.model, value if isinstance(value, dict) else {}, ctx, prefix=path)
    elif kind == "rows":
        found.children = _rows(path, label, shape, value if isinstance(value, list) else [], ctx)
    return found


def _rows(path: str, label: str, shape: _Shape, items: list[Any], ctx: FormContext) -> list[Input]:
    assert shape.model is not None
    model = shape.model
    keys = [
        (name, _options(name, s, ctx))
        for name, info in model.model_fields.items()
        if (s := _shape(info.annotation, list(info.metadata))) is not None and _is_key(name, s, ctx)
    ]
    values: list[Any] = [item if isinstance(item, dict) else {} for item in items]
    blanks: list[dict[str, Any]] = []
    if keys:  # one blank row for each clause or enterprise no row is about yet
        key, options = keys[0]
        used = {_text(v.get(key)) for v in values}
        blanks = [{key: o.value} for o in options if o.value not in used]
    else:
        blanks = [{} for _ in range(max(ctx.min_rows.get(path, 1) - len(values), 1))]
    blanks += [{} for _ in range(ctx.blank_rows.get(path, 0) - len(blanks))]
    values += blanks
    rows = []
    first = [keys[0][0]] if keys else []
    order = [*first, *(n for n in model.model_fields if n not in first)]
    for i, item in enumerate(values[: shape.max_items]):
        row = Input(name=f"{path}[{i}]", label=f"{label} 第 {i + 1} 项", kind="row", form=ctx.form)
        made = {i.name.rsplit(".", 1)[-1]: i for i in inputs_for(model, item, ctx, prefix=row.name)}
        row.children = [made[n] for n in order if n in made]
        for table in (c for c in row.children if c.kind == "rows"):
            table.label = f"{table.label}（{row.label}）"
        if keys and keys[0][0] in item:
            chosen = {o.value: o.label for o in keys[0][1]}.get(_text(item[keys[0][0]]))
            row.label = f"{label}：{chosen}" if chosen else row.label
        rows.append(row)
    return rows


def inputs_for(model: type[BaseModel], values: Mapping[str, Any] | None, ctx: FormContext, prefix: str = "") -> list[Input]:
    """The inputs of a model's fields (the context's `skip` left out at the top), showing `values`."""
    found: list[Input] = []
    for name, info in model.model_fields.items():
        if not prefix and name in ctx.skip:
            continue
        made = input_for(name, info.annotation, info, (values or {}).get(name, MISSING), ctx, prefix)
        if made is not None:
            found.append(made)
    return found


def rows_of(inputs: Sequence[Input]) -> list[Input]:
    """Every table of rows among the inputs, for its 再加一行 button."""
    return [i for top in inputs for i in top.walk() if i.kind == "rows"]


# --- reading a posted form back into a body -----------------------------------------------------------------------


def _first(form: Form, name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _present(form: Form, path: str) -> bool:
    return path in form or any(k.startswith((f"{path}.", f"{path}[")) for k in form)


def _scalar(kind: str, raw: str) -> Any:
    value = raw.strip()
    if kind == "integer":
        return int(value) if value.isdigit() and len(value) <= 10 else value
    return raw if kind in ("text", "long_text") else value


def read_field(name: str, annotation: Any, info: FieldInfo, form: Form, ctx: FormContext, prefix: str = "") -> tuple[Any, bool]:
    """The JSON value of one field from the form (MISSING when blank) and whether the user filled in anything."""
    path = f"{prefix}.{name}" if prefix else name
    shape = _shape(annotation, list(info.metadata))
    if shape is None or not ctx.keep(path):
        return MISSING, False
    kind = _kind(name, shape, ctx)
    if kind in ("text", "long_text", "date", "integer", "decimal", "select"):
        raw = _first(form, path)
        if raw is None or not raw.strip():
            return MISSING, False
        integer = kind == "integer" or (kind == "select" and shape.kind == "integer")
        return _scalar("integer" if integer else kind, raw), not _is_key(name, shape, ctx)
    if kind == "checkbox":
        ticked = _first(form, path) is not None
        return ticked, ticked
    if kind in ("choices", "lines"):
        if kind == "lines":
            raw = _first(form, path)
            if raw is None:
                return MISSING, False
            chosen = [line.strip() for line in raw.splitlines() if line.strip()][: shape.max_items + 1]
        else:
            chosen = [v for v in form.get(path, []) if v.strip()][: MAX_ROWS * 10]
        items: list[Any] = [_scalar("integer", v) for v in chosen] if shape.integers else chosen
        if not items and not info.is_required():
            return MISSING, False
        return items, bool(items)
    assert shape.model is not None
    if kind == "group":
        if not _present(form, path):
            return MISSING, False
        return read_body(shape.model, form, ctx, prefix=path)
    pattern = re.compile(rf"^{re.escape(path)}\[(\d{{1,4}})\]")
    indices = sorted({int(m.group(1)) for k in form if (m := pattern.match(k))})[: shape.max_items * 2]
    rows = []
    for i in indices:
        row, filled = read_body(shape.model, form, ctx, prefix=f"{path}[{i}]")
        if filled:
            rows.append(row)
    if not rows and not info.is_required():
        return MISSING, False
    return rows, bool(rows)


def read_body(model: type[BaseModel], form: Form, ctx: FormContext, prefix: str = "") -> tuple[dict[str, Any], bool]:
    """The body of a model from a posted form, and whether anything in it was filled in."""
    body: dict[str, Any] = {}
    filled = False
    for name, info in model.model_fields.items():
        if not prefix and name in ctx.skip:
            continue
        value, touched = read_field(name, info.annotation, info, form, ctx, prefix)
        if value is not MISSING:
            body[name] = value
        filled = filled or touched
    return body, filled


_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


def _at(body: Any, path: str) -> Any:
    for part in _PART.findall(path):
        if part.startswith("["):
            i = int(part[1:-1])
            body = body[i] if isinstance(body, list) and i < len(body) else None
        else:
            body = body.get(part) if isinstance(body, dict) else None
    return body


def blank_rows_asked(form: Form, body: Mapping[str, Any], path: str) -> dict[str, int]:
    """再加一行 on the table `path`: the blank rows it showed, and one more."""
    pattern = re.compile(rf"^{re.escape(path)}\[(\d{{1,4}})\]")
    shown = len({m.group(1) for k in form if (m := pattern.match(k))})
    filled = _at(body, path)
    kept = len(filled) if isinstance(filled, list) else 0
    return {path: min(max(shown - kept, 0) + 1, MAX_ROWS)}


# --- the violations of a refused body, beside their inputs ---------------------------------------------------------


def violation_text(v: Violation) -> str:
    """A violation in words: its message, and for a legal rule the rule and its citation."""
    if v.rule:
        return f"{v.message}（{v.rule}{'：' + v.citation if v.citation else ''}）"
    return v.message


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def place_errors(inputs: Sequence[Input], violations: Sequence[Violation], *, strip: str = "") -> list[str]:
    """Attach each violation to the input its `path` names (or the nearest group holding it); the rest are returned."""
    by_name = {i.name: i for top in inputs for i in top.walk()}
    general: list[str] = []
    for v in violations:
        path = _INDEX.sub(r"[\1]", v.path or "")
        if strip and (path == strip or path.startswith(f"{strip}.")):
            path = path[len(strip) + 1 :]
        target = None
        while path and target is None:
            target = by_name.get(path)
            path = _parent(path)
        (target.errors if target is not None else general).append(violation_text(v))
    return general
