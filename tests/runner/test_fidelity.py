"""Conformance cases: workflows run the way GitHub runs them (issue 10), end to end.

Each case asserts job results, outputs and the values steps printed, from GitHub's
documentation and actions/runner's source. Where act behaves differently the case says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.runner.conftest import Repo


def _jobs(record: Path) -> dict[str, str]:
    return {j["job"]: j["result"] for j in json.loads((record / "run.json").read_text())["jobs"]}


def test_matrix_built_from_expression_keys_spliced_items_and_insert(repo: Repo) -> None:
    """Item 3: `${{ needs.a.outputs.key }}: [...]` is a matrix key, an item evaluating to an
    array is spliced, and `${{ insert }}` merges a mapping (actions/runner TemplateUnraveler)."""
    repo.workflow(
        """\
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            outputs:
              key: ${{ steps.s.outputs.key }}
              sizes: ${{ steps.s.outputs.sizes }}
            steps:
              - id: s
                run: |
                  echo 'key=flavour' >> "$GITHUB_OUTPUT"
                  echo 'sizes=["m","l"]' >> "$GITHUB_OUTPUT"
          b:
            needs: a
            runs-on: ubuntu-latest
            strategy:
              matrix:
                ${{ needs.a.outputs.key }}: [vanilla]
                size:
                  - s
                  - ${{ fromJSON(needs.a.outputs.sizes) }}
                ${{ insert }}: ${{ fromJSON('{"extra":["e1"]}') }}
            steps:
              - run: echo "leg=${{ matrix.flavour }}/${{ matrix.size }}/${{ matrix.extra }}"
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert _jobs(run.record) == {
        "a": "success",
        "b (vanilla, s, e1)": "success",
        "b (vanilla, m, e1)": "success",
        "b (vanilla, l, e1)": "success",
    }
    for leg in ("vanilla/s/e1", "vanilla/m/e1", "vanilla/l/e1"):
        assert f"leg={leg}" in run.stderr
