"""Hypothesis strategies that break real provider payloads one node at a time."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

FIXTURES = Path(__file__).parents[1] / "fixtures"

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
ANY_JSON = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)

Path_ = tuple[str | int, ...]


def fixture(relative: str) -> Any:
    """A provider payload from tests/fixtures (JSON)."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def paths(doc: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every node's path in a JSON document (the root is the empty path)."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += paths(value, (*prefix, index))
    return found


def _apply(doc: Any, edits: list[tuple[Path_, str, Any]]) -> Any:
    doc = copy.deepcopy(doc)
    for path, op, value in edits:
        if not path:
            doc = value
            continue
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            if op == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or retyped this node
    return doc


def mutated(doc: Any) -> st.SearchStrategy[Any]:
    """`doc` with up to four nodes replaced by any JSON value or deleted (or left as it is)."""
    edit = st.tuples(st.sampled_from(paths(doc)), st.sampled_from(["replace", "delete"]), ANY_JSON)
    return st.lists(edit, max_size=4).map(lambda edits: _apply(doc, edits))


def mutated_form(form: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
    """A webhook form with values replaced, keys dropped and unknown keys added."""
    keys = sorted(form)
    value = st.one_of(
        st.text(max_size=60),
        st.sampled_from(["", "nan", "inf", "-1", "1e309", "99999999999999999999"]),
    )
    changes = st.dictionaries(
        st.one_of(st.sampled_from(keys), st.text(max_size=12)), value, max_size=5
    )
    dropped = st.sets(st.sampled_from(keys), max_size=3)
    return st.tuples(changes, dropped).map(
        lambda cd: {k: v for k, v in (form | cd[0]).items() if k not in cd[1]}
    )
