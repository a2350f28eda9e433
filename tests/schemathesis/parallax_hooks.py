"""Schemathesis hooks for Parallax's API run (crates/parallax/tests/api_schema.rs).

The Rust test seeds a workspace, writes what it made to the JSON file named by
PARALLAX_ST_CONTEXT and starts Schemathesis with this module as its hooks.

- Path parameters are often replaced by ids that exist (the seeded workspace,
  its rounds, gaps, questions and people), so the operations are exercised on
  real data, not only on 404s. Only values that are valid for their type are
  replaced: a negative case stays negative.
- `no_blind_answer` fails any response that carries an answer of a round that
  is not revealed: every such answer holds a marker, and the round's state is
  read from the database at that moment, so a round the run itself revealed
  (a leader may) is not a false alarm.
"""

import json
import os
import sqlite3

import schemathesis
from hypothesis import strategies as st

with open(os.environ["PARALLAX_ST_CONTEXT"], encoding="utf-8") as handle:
    CONTEXT = json.load(handle)

INT64 = (-(2**63), 2**63 - 1)

# Operations whose success would take the seeded people out of the run.
DESTRUCTIVE = {
    ("DELETE", "/api/v1/workspaces/{workspace_id}/members/{user_id}"),
    ("PATCH", "/api/v1/workspaces/{workspace_id}/members/{user_id}"),
}


def _valid(name, value):
    if name in CONTEXT["string_parameters"]:
        return isinstance(value, str)
    return isinstance(value, int) and not isinstance(value, bool) and INT64[0] <= value <= INT64[1]


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    operation = context.operation
    destructive = operation is not None and (operation.method.upper(), operation.path) in DESTRUCTIVE
    strategies = {}
    for name, value in path_parameters.items():
        real = CONTEXT["parameters"].get(name, [])
        if real and not destructive and _valid(name, value):
            # Most draws name something that exists.
            strategies[name] = st.sampled_from([value] + real * 3)
        else:
            strategies[name] = st.just(value)
    return st.fixed_dictionaries(strategies)


def _revealed(round_id):
    connection = sqlite3.connect(f"file:{CONTEXT['database']}?mode=ro", uri=True, timeout=30)
    try:
        row = connection.execute("SELECT revealed_at FROM rounds WHERE id = ?", (round_id,)).fetchone()
    finally:
        connection.close()
    return row is not None and row[0] is not None


@schemathesis.check
def no_blind_answer(ctx, response, case):
    """No answer of an unrevealed round reaches anyone but its author."""
    text = response.text or ""
    for marker in CONTEXT["markers"]:
        if marker in text and not _revealed(CONTEXT["blind_round"]):
            raise AssertionError(
                f"An answer of the unrevealed round {CONTEXT['blind_round']} was returned "
                f"(marker {marker!r}) by {case.method} {case.formatted_path}"
            )
