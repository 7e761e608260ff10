"""Matrix expansion against the examples of GitHub's docs and the rules of its workflow parser.

Sources: GitHub docs "Running variations of jobs in a workflow" (the reusables
``using-matrix-strategy``, ``single-/multi-dimension-matrix``, ``matrix-exclude``,
``matrix-include``, ``matrix-expand-with-include``, ``matrix-add-with-include``,
``matrix-keys-are-case-insensitive``); actions/runner ``src/Sdk/WorkflowParser/Conversion/
MatrixBuilder.cs`` (its doc-comment examples), ``WorkflowTemplateConverter.cs`` (errors),
``JobNameBuilder.cs`` (display names); nektos/act ``selectMatrixes`` (``--matrix``).
"""

from __future__ import annotations

from typing import Any

import pytest

from mlops.workflow.matrix import (
    MAX_LEGS,
    MatrixError,
    MatrixLeg,
    expand_matrix,
    filter_legs,
    leg_display_name,
    parse_matrix_filter,
)


def _plain(legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(leg) for leg in legs]


# --- the docs' examples --------------------------------------------------------------------


def test_docs_order_first_variable_varies_slowest() -> None:
    legs = expand_matrix({"version": [10, 12, 14], "os": ["ubuntu-latest", "windows-latest"]})
    assert _plain(legs) == [
        {"version": 10, "os": "ubuntu-latest"},
        {"version": 10, "os": "windows-latest"},
        {"version": 12, "os": "ubuntu-latest"},
        {"version": 12, "os": "windows-latest"},
        {"version": 14, "os": "ubuntu-latest"},
        {"version": 14, "os": "windows-latest"},
    ]
    assert [list(leg) for leg in legs] == [["version", "os"]] * 6


def test_docs_single_dimension_matrix() -> None:
    assert _plain(expand_matrix({"version": [10, 12, 14]})) == [
        {"version": 10},
        {"version": 12},
        {"version": 14},
    ]


def test_docs_multi_dimension_matrix() -> None:
    legs = expand_matrix({"os": ["ubuntu-22.04", "ubuntu-20.04"], "version": [10, 12, 14]})
    assert len(legs) == 6
    assert {(leg["os"], leg["version"]) for leg in legs} == {
        (os, version) for os in ["ubuntu-22.04", "ubuntu-20.04"] for version in [10, 12, 14]
    }
    assert legs[0] == {"os": "ubuntu-22.04", "version": 10}
    assert legs[3] == {"os": "ubuntu-20.04", "version": 10}


def test_docs_array_of_objects() -> None:
    node_20 = {"version": 20, "env": "NODE_OPTIONS=--openssl-legacy-provider"}
    legs = expand_matrix(
        {"os": ["ubuntu-latest", "macos-latest"], "node": [{"version": 14}, node_20]}
    )
    assert _plain(legs) == [
        {"os": "ubuntu-latest", "node": {"version": 14}},
        {"os": "ubuntu-latest", "node": node_20},
        {"os": "macos-latest", "node": {"version": 14}},
        {"os": "macos-latest", "node": node_20},
    ]


def test_docs_exclude_example_runs_nine_jobs() -> None:
    matrix = {
        "os": ["macos-latest", "windows-latest"],
        "version": [12, 14, 16],
        "environment": ["staging", "production"],
        "exclude": [
            {"os": "macos-latest", "version": 12, "environment": "production"},
            {"os": "windows-latest", "version": 16},
        ],
    }
    legs = expand_matrix(matrix)
    assert len(legs) == 9
    combos = [(leg["os"], leg["version"], leg["environment"]) for leg in legs]
    assert ("macos-latest", 12, "production") not in combos
    assert ("macos-latest", 12, "staging") in combos
    assert not [c for c in combos if c[0] == "windows-latest" and c[1] == 16]
    assert ("macos-latest", 16, "production") in combos
    # The survivors keep cross-product order.
    assert combos[:3] == [
        ("macos-latest", 12, "staging"),
        ("macos-latest", 14, "staging"),
        ("macos-latest", 14, "production"),
    ]


def test_docs_include_example_fruit_animal_color_shape() -> None:
    matrix = {
        "fruit": ["apple", "pear"],
        "animal": ["cat", "dog"],
        "include": [
            {"color": "green"},
            {"color": "pink", "animal": "cat"},
            {"fruit": "apple", "shape": "circle"},
            {"fruit": "banana"},
            {"fruit": "banana", "animal": "cat"},
        ],
    }
    assert _plain(expand_matrix(matrix)) == [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]


def test_docs_include_example_perl_seven_jobs() -> None:
    matrix = {
        "os": ["ubuntu-latest"],
        "perl": ["5.16", "5.20", "5.26", "5.30", "latest"],
        "include": [
            {"os": "macos-latest", "perl": "5.26"},
            {"os": "macos-latest", "perl": "latest"},
        ],
    }
    legs = expand_matrix(matrix)
    assert len(legs) == 7
    assert [leg["perl"] for leg in legs if leg["os"] == "ubuntu-latest"] == [
        "5.16",
        "5.20",
        "5.26",
        "5.30",
        "latest",
    ]
    assert legs[5:] == [
        {"os": "macos-latest", "perl": "5.26"},
        {"os": "macos-latest", "perl": "latest"},
    ]


def test_docs_expand_with_include_adds_npm_to_one_leg() -> None:
    matrix = {
        "os": ["windows-latest", "ubuntu-latest"],
        "node": [12, 14, 16],
        "include": [{"os": "windows-latest", "node": 16, "npm": 6}],
    }
    legs = expand_matrix(matrix)
    assert len(legs) == 6
    with_npm = [leg for leg in legs if "npm" in leg]
    assert with_npm == [{"os": "windows-latest", "node": 16, "npm": 6}]


def test_docs_add_with_include_adds_a_tenth_job() -> None:
    matrix = {
        "os": ["macos-latest", "windows-latest", "ubuntu-latest"],
        "version": [12, 14, 16],
        "include": [{"os": "windows-latest", "version": 17}],
    }
    legs = expand_matrix(matrix)
    assert len(legs) == 10
    assert legs[-1] == {"os": "windows-latest", "version": 17}
    assert all(set(leg) == {"os", "version"} for leg in legs)


def test_docs_include_only_matrix() -> None:
    include = [
        {"site": "production", "datacenter": "site-a"},
        {"site": "staging", "datacenter": "site-b"},
    ]
    assert _plain(expand_matrix({"include": include})) == include


def test_docs_include_can_add_back_an_excluded_combination() -> None:
    # "All include combinations are processed after exclude."
    matrix = {
        "os": ["a", "b"],
        "v": [1, 2],
        "exclude": [{"os": "a", "v": 1}],
        "include": [{"os": "a", "v": 1}],
    }
    assert _plain(expand_matrix(matrix)) == [
        {"os": "a", "v": 2},
        {"os": "b", "v": 1},
        {"os": "b", "v": 2},
        {"os": "a", "v": 1},
    ]


# --- the runner's MatrixBuilder examples ---------------------------------------------------

ARCH_OS = {"arch": ["x64", "x86"], "os": ["linux", "windows"]}


def test_runner_example_cross_product() -> None:
    assert _plain(expand_matrix(ARCH_OS)) == [
        {"arch": "x64", "os": "linux"},
        {"arch": "x64", "os": "windows"},
        {"arch": "x86", "os": "linux"},
        {"arch": "x86", "os": "windows"},
    ]


def test_runner_example_exclude() -> None:
    legs = expand_matrix({**ARCH_OS, "exclude": [{"arch": "x86", "os": "linux"}]})
    assert _plain(legs) == [
        {"arch": "x64", "os": "linux"},
        {"arch": "x64", "os": "windows"},
        {"arch": "x86", "os": "windows"},
    ]


def test_runner_example_include_extra_values() -> None:
    legs = expand_matrix({**ARCH_OS, "include": [{"arch": "x64", "os": "linux", "publish": True}]})
    assert legs[0] == {"arch": "x64", "os": "linux", "publish": True}
    assert all("publish" not in leg for leg in legs[1:])
    assert len(legs) == 4


def test_runner_example_include_additional_vectors() -> None:
    legs = expand_matrix({**ARCH_OS, "include": [{"arch": "x64"}, {"os": "macos"}]})
    # {arch: x64} matches two legs but adds nothing; {os: macos} matches none: a new leg.
    assert _plain(legs) == [*_plain(expand_matrix(ARCH_OS)), {"os": "macos"}]


# --- include semantics ---------------------------------------------------------------------


def test_include_never_overwrites_an_original_value() -> None:
    legs = expand_matrix({"os": ["a"], "include": [{"os": "b", "extra": 1}]})
    assert _plain(legs) == [{"os": "a"}, {"os": "b", "extra": 1}]


def test_later_include_overwrites_an_earlier_include_extra() -> None:
    legs = expand_matrix(
        {"os": ["a", "b"], "include": [{"color": "red"}, {"os": "b", "color": "blue"}]}
    )
    assert _plain(legs) == [{"os": "a", "color": "red"}, {"os": "b", "color": "blue"}]


def test_include_matches_original_values_not_added_ones() -> None:
    # The second entry's 'color' is an extra, not a filter: it does not require color == red.
    legs = expand_matrix(
        {"os": ["a"], "include": [{"color": "red"}, {"color": "blue", "shape": "square"}]}
    )
    assert _plain(legs) == [{"os": "a", "color": "blue", "shape": "square"}]


def test_unmatched_include_entries_keep_their_order_and_duplicates() -> None:
    legs = expand_matrix({"os": ["a"], "include": [{"os": "z"}, {"os": "y"}, {"os": "z"}]})
    assert _plain(legs) == [{"os": "a"}, {"os": "z"}, {"os": "y"}, {"os": "z"}]


def test_unmatched_include_lists_vector_keys_first() -> None:
    legs = expand_matrix({"os": ["a"], "include": [{"npm": 6, "os": "mac"}]})
    assert list(legs[1]) == ["os", "npm"]


def test_include_with_an_object_filter_matches_partially() -> None:
    matrix = {
        "node": [{"version": 14}, {"version": 20, "env": "X"}],
        "include": [{"node": {"version": 20}, "npm": 10}],
    }
    legs = expand_matrix(matrix)
    assert _plain(legs) == [
        {"node": {"version": 14}},
        {"node": {"version": 20, "env": "X"}, "npm": 10},
    ]


# --- exclude and value comparison ----------------------------------------------------------


def test_exclude_partial_match() -> None:
    legs = expand_matrix({"os": ["a", "b"], "v": [1, 2, 3], "exclude": [{"v": 2}]})
    assert [leg["v"] for leg in legs] == [1, 3, 1, 3]


def test_exclude_everything_gives_zero_legs() -> None:
    assert expand_matrix({"os": ["a", "b"], "exclude": [{"os": "a"}, {"os": "b"}]}) == []


def test_values_compare_loosely_like_the_expression_equals() -> None:
    # A filter leaf 'L' at path P matches when `matrix<P> == L`.
    assert len(expand_matrix({"v": [12, 14], "exclude": [{"v": "12"}]})) == 1
    assert len(expand_matrix({"v": ["12", "14"], "exclude": [{"v": 12}]})) == 1
    assert len(expand_matrix({"v": [12.0], "exclude": [{"v": 12}]})) == 0
    assert (
        len(expand_matrix({"os": ["Windows-Latest"], "exclude": [{"os": "windows-LATEST"}]})) == 0
    )
    # 'true' (a string) is NaN as a number, true is 1: not equal.
    assert len(expand_matrix({"flag": [True, False], "exclude": [{"flag": "true"}]})) == 2
    assert len(expand_matrix({"flag": [True, False], "exclude": [{"flag": True}]})) == 1
    assert len(expand_matrix({"flag": [True, False], "exclude": [{"flag": 1}]})) == 1
    # null coerces to 0, so it equals 0 and '' but not 'x'.
    assert _plain(expand_matrix({"v": [None, 0, "", "x"], "exclude": [{"v": None}]})) == [
        {"v": "x"}
    ]


def test_object_and_array_values_match_leaf_by_leaf() -> None:
    node = [{"version": 14, "lts": True}, {"version": 20}]
    legs = expand_matrix({"node": node, "exclude": [{"node": {"version": 14}}]})
    assert _plain(legs) == [{"node": {"version": 20}}]
    legs = expand_matrix({"v": [[1, 2], [2, 1]], "exclude": [{"v": [1]}]})
    assert _plain(legs) == [{"v": [2, 1]}]
    # A scalar filter never equals an object or array leg value.
    legs = expand_matrix({"v": [{"a": 1}, [1]], "exclude": [{"v": "x"}, {"v": 1}]})
    assert len(legs) == 2
    # An empty object in a filter compares nothing, so it matches every leg.
    assert expand_matrix({"v": [{"a": 1}, 2], "exclude": [{"v": {}}]}) == []


def test_nested_keys_compare_case_insensitively() -> None:
    legs = expand_matrix(
        {"cfg": [{"Name": "A"}, {"Name": "B"}], "exclude": [{"cfg": {"name": "a"}}]}
    )
    assert _plain(legs) == [{"cfg": {"Name": "B"}}]


# --- case-insensitive keys -----------------------------------------------------------------


def test_matrix_keys_are_case_insensitive_in_include_and_exclude() -> None:
    # Docs note: "OS and os will be treated as the same variable".
    legs = expand_matrix(
        {
            "os": ["linux", "windows"],
            "exclude": [{"OS": "linux"}],
            "include": [{"Os": "windows", "npm": 6}],
        }
    )
    assert _plain(legs) == [{"os": "windows", "npm": 6}]


def test_include_extras_merge_case_insensitively_keeping_the_first_spelling() -> None:
    legs = expand_matrix({"os": ["a"], "include": [{"Color": "red"}, {"COLOR": "blue"}]})
    assert _plain(legs) == [{"os": "a", "Color": "blue"}]


def test_two_keys_differing_only_in_case_are_an_error() -> None:
    with pytest.raises(MatrixError, match="'os' and 'OS' are the same variable"):
        expand_matrix({"os": ["a"], "OS": ["b"]})


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matrix", "fragment"),
    [
        ({"os": "ubuntu-latest"}, "matrix key 'os' must be a list of values"),
        ({"os": ["a"], "node": 16}, "matrix key 'node' must be a list"),
        ({"cfg": {"a": 1}}, "matrix key 'cfg' must be a list of values, not a mapping"),
        ({"os": []}, "matrix vector 'os' does not contain any values"),
        ({}, "at least one vector"),
        ({"include": []}, "at least one vector"),
        ({"exclude": [{"os": "a"}]}, "at least one vector"),
        ({"os": ["a"], "include": {"os": "b"}}, "'include' must be a list of mappings"),
        ({"os": ["a"], "include": "x"}, "'include' must be a list of mappings"),
        ({"os": ["a"], "exclude": None}, "'exclude' must be a list of mappings"),
        ({"os": ["a"], "include": ["b"]}, "'include' entry 1 must be a mapping"),
        ({"os": ["a"], "include": [{"x": 1}, {}]}, "'include' entry 2 does not contain any"),
        ({"os": ["a"], "exclude": [{}]}, "'exclude' entry 1 is empty"),
        ({"os": ["a"], "exclude": [{"arch": "x"}]}, "key 'arch' does not match any key"),
        ({"os": ["a"], "include": [{1: "x"}]}, "not a string"),
        ({1: ["a"]}, "a matrix key must be a string"),
    ],
)
def test_invalid_matrices(matrix: dict[Any, Any], fragment: str) -> None:
    with pytest.raises(MatrixError) as excinfo:
        expand_matrix(matrix)
    assert fragment in str(excinfo.value)


def test_matrix_must_be_a_mapping() -> None:
    with pytest.raises(MatrixError, match="must be a mapping"):
        expand_matrix([{"os": ["a"]}])  # type: ignore[arg-type]


def test_matrix_error_is_a_value_error() -> None:
    assert issubclass(MatrixError, ValueError)


def test_at_most_256_legs() -> None:
    assert len(expand_matrix({"i": list(range(MAX_LEGS))})) == MAX_LEGS
    assert len(expand_matrix({"a": list(range(16)), "b": list(range(16))})) == 256
    with pytest.raises(MatrixError, match="more than 256 jobs"):
        expand_matrix({"i": list(range(MAX_LEGS + 1))})
    with pytest.raises(MatrixError, match="more than 256 jobs"):
        expand_matrix({"a": list(range(16)), "b": list(range(16)), "include": [{"a": 99}]})
    with pytest.raises(MatrixError, match="more than 256 jobs"):
        expand_matrix({"include": [{"n": n} for n in range(MAX_LEGS + 1)]})


def test_the_limit_counts_legs_after_exclude() -> None:
    legs = expand_matrix({"i": list(range(300)), "exclude": [{"i": n} for n in range(44)]})
    assert len(legs) == 256


def test_a_huge_cross_product_is_refused_without_enumerating_it() -> None:
    with pytest.raises(MatrixError, match="combinations"):
        expand_matrix({k: list(range(100)) for k in "abcd"})


# --- legs are independent values -----------------------------------------------------------


def test_legs_do_not_share_values_with_each_other_or_the_input() -> None:
    node = {"version": 14, "tags": ["a"]}
    include_extra = {"deep": {"x": 1}}
    matrix = {"os": ["a", "b"], "node": [node], "include": [{"extra": include_extra}]}
    legs = expand_matrix(matrix)
    legs[0]["node"]["tags"].append("mutated")
    legs[0]["extra"]["deep"]["x"] = 2
    assert legs[1]["node"] == {"version": 14, "tags": ["a"]}
    assert legs[1]["extra"] == {"deep": {"x": 1}}
    assert node == {"version": 14, "tags": ["a"]}
    assert include_extra == {"deep": {"x": 1}}


def test_legs_are_matrix_legs() -> None:
    legs = expand_matrix({"os": ["a"], "include": [{"npm": 6}, {"os": "z", "x": 1}]})
    assert all(isinstance(leg, MatrixLeg) and isinstance(leg, dict) for leg in legs)
    assert legs[0].name_keys == ("os",)
    assert legs[1].name_keys == ("os", "x")


# --- display names -------------------------------------------------------------------------


def test_display_name_lists_vector_values_in_matrix_order() -> None:
    legs = expand_matrix({"version": [10], "os": ["ubuntu-latest"]})
    assert leg_display_name("build", legs[0]) == "build (10, ubuntu-latest)"


def test_display_name_leaves_out_include_extras() -> None:
    legs = expand_matrix(
        {
            "os": ["windows-latest", "ubuntu-latest"],
            "node": [12, 14, 16],
            "include": [{"os": "windows-latest", "node": 16, "npm": 6}],
        }
    )
    names = [leg_display_name("example_matrix", leg) for leg in legs]
    assert names[2] == "example_matrix (windows-latest, 16)"
    assert len(set(names)) == 6


def test_display_name_of_an_include_leg_lists_all_its_values() -> None:
    legs = expand_matrix(
        {
            "include": [
                {"site": "production", "datacenter": "site-a"},
                {"site": "staging", "datacenter": "site-b"},
            ]
        }
    )
    assert [leg_display_name("includes_only", leg) for leg in legs] == [
        "includes_only (production, site-a)",
        "includes_only (staging, site-b)",
    ]
    legs = expand_matrix({"os": ["a"], "include": [{"npm": 6, "os": "mac"}]})
    assert leg_display_name("j", legs[1]) == "j (mac, 6)"


def test_display_name_flattens_objects_and_arrays_depth_first() -> None:
    legs = expand_matrix(
        {
            "os": ["ubuntu-latest"],
            "node": [{"version": 20, "env": "NODE_OPTIONS=--openssl-legacy-provider"}],
            "targets": [["x", ["y", {"z": "w"}]]],
        }
    )
    assert leg_display_name("test", legs[0]) == (
        "test (ubuntu-latest, 20, NODE_OPTIONS=--openssl-legacy-provider, x, y, w)"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (3.10, "3.1"),  # YAML 3.10 is the number 3.1
        (3.0, "3"),
        (16, "16"),
        (-0.5, "-0.5"),
        (1e20, "1E+20"),
        (123456789012345678, "1.23456789012346E+17"),
        (0.1 + 0.2, "0.3"),
        (True, "true"),
        (False, "false"),
        ("3.10", "3.10"),
        ("", None),
        (None, None),
        ([], None),
        ({}, None),
    ],
)
def test_display_name_value_forms(value: Any, shown: str | None) -> None:
    name = leg_display_name("job", {"v": value})
    assert name == ("job" if shown is None else f"job ({shown})")


def test_display_name_skips_empty_values_between_others() -> None:
    assert leg_display_name("j", {"a": "x", "b": None, "c": "", "d": 0}) == "j (x, 0)"


def test_display_name_is_cut_to_100_characters() -> None:
    name = leg_display_name("build", {"v": "x" * 200})
    assert len(name) == 100
    assert name.startswith("build (xxx") and name.endswith("...")
    exact = leg_display_name("b", {"v": "x" * 95})  # "b (" + 95 + ")" = 99
    assert len(exact) == 99 and not exact.endswith("...")
    assert leg_display_name("b", {"v": "x" * 96}) == "b (" + "x" * 96 + ")"
    assert leg_display_name("b", {"v": "x" * 97}).endswith("x...")


def test_display_name_of_a_plain_dict_uses_all_keys_or_the_given_ones() -> None:
    leg = {"os": "a", "npm": 6}
    assert leg_display_name("j", leg) == "j (a, 6)"
    assert leg_display_name("j", leg, keys=["os"]) == "j (a)"
    assert leg_display_name("j", leg, keys=["npm", "os"]) == "j (6, a)"
    assert leg_display_name("j", leg, keys=[]) == "j"


# --- act's --matrix filter -----------------------------------------------------------------

LEGS = [
    {"os": "ubuntu", "py": 3.1, "debug": True},
    {"os": "ubuntu", "py": 3.11, "debug": False},
    {"os": "windows", "py": 3.1, "debug": True},
    {"os": "macos", "py": 3.11, "debug": False},
]


def test_filter_legs_single_value() -> None:
    assert filter_legs(LEGS, [("os", "ubuntu")]) == LEGS[:2]


def test_filter_legs_or_within_a_key_and_across_keys() -> None:
    assert filter_legs(LEGS, [("os", "ubuntu"), ("os", "macos")]) == [LEGS[0], LEGS[1], LEGS[3]]
    assert filter_legs(LEGS, [("os", "ubuntu"), ("os", "macos"), ("py", "3.11")]) == [
        LEGS[1],
        LEGS[3],
    ]


def test_filter_legs_compares_go_string_forms() -> None:
    assert filter_legs(LEGS, [("py", "3.1")]) == [LEGS[0], LEGS[2]]
    assert filter_legs(LEGS, [("py", "3.10")]) == []
    assert filter_legs(LEGS, [("debug", "true")]) == [LEGS[0], LEGS[2]]
    assert filter_legs(LEGS, [("debug", "True")]) == []
    assert filter_legs([{"n": 16}, {"n": 1e6}], [("n", "16")]) == [{"n": 16}]
    assert filter_legs([{"n": 1e6}], [("n", "1e+06")]) == [{"n": 1e6}]
    assert filter_legs([{"n": None}], [("n", "<nil>")]) == [{"n": None}]
    obj = {"node": {"version": 20, "env": "x"}, "list": [1, "a"]}
    assert filter_legs([obj], [("node", "map[env:x version:20]"), ("list", "[1 a]")]) == [obj]


def test_filter_legs_keys_are_case_sensitive_and_missing_keys_pass() -> None:
    assert filter_legs(LEGS, [("OS", "nothing")]) == LEGS
    legs = [{"os": "ubuntu"}, {"arch": "arm"}]
    assert filter_legs(legs, [("os", "windows")]) == [{"arch": "arm"}]


def test_filter_legs_without_filters_keeps_everything() -> None:
    assert filter_legs(LEGS, []) == LEGS


def test_filter_legs_on_expanded_legs() -> None:
    legs = expand_matrix({"os": ["ubuntu", "windows"], "node": [18, 20]})
    kept = filter_legs(legs, [parse_matrix_filter("node:20")])
    assert [dict(leg) for leg in kept] == [
        {"os": "ubuntu", "node": 20},
        {"os": "windows", "node": 20},
    ]


def test_parse_matrix_filter() -> None:
    assert parse_matrix_filter("os:ubuntu-latest") == ("os", "ubuntu-latest")
    assert parse_matrix_filter("image:node:20") == ("image", "node:20")
    assert parse_matrix_filter("os:") == ("os", "")
    with pytest.raises(MatrixError, match="key:value"):
        parse_matrix_filter("os")
