"""SQL fragments: text written in this package plus bound parameters, composed without string formatting.

User input never becomes SQL text: values are parameters (``param``), field names are looked up in fixed
tables, and generated aliases are built from integers (``alias``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_SLOT = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Sql:
    text: str
    params: tuple[Any, ...] = ()

    def __add__(self, other: Sql) -> Sql:
        return Sql(self.text + other.text, self.params + other.params)


def q(template: str, **parts: Sql) -> Sql:
    """Fills ``{name}`` slots of a template (which holds no parameters of its own) with fragments, in order."""
    text: list[str] = []
    params: list[Any] = []
    last = 0
    for match in _SLOT.finditer(template):
        text.append(template[last : match.start()])
        part = parts[match.group(1)]
        text.append(part.text)
        params.extend(part.params)
        last = match.end()
    text.append(template[last:])
    return Sql("".join(text), tuple(params))


def param(value: Any) -> Sql:
    return Sql("%s", (value,))


def params(values: Iterable[Any]) -> Sql:
    return join(", ", [param(v) for v in values])


def join(separator: str, parts: Iterable[Sql]) -> Sql:
    items = list(parts)
    return Sql(separator.join(p.text for p in items), tuple(v for p in items for v in p.params))


def alias(prefix: str, *numbers: int) -> Sql:
    """A generated column name such as ``t_1_3``; the prefix is a literal of this package."""
    assert prefix.isidentifier() and all(isinstance(n, int) and n >= 0 for n in numbers)
    return Sql("_".join([prefix, *map(str, numbers)]))


def all_of(conditions: Iterable[Sql]) -> Sql:
    items = list(conditions)
    return join(" AND ", [q("({c})", c=c) for c in items]) if items else Sql("TRUE")


def any_of(conditions: Iterable[Sql]) -> Sql:
    items = list(conditions)
    return join(" OR ", [q("({c})", c=c) for c in items]) if items else Sql("FALSE")
