"""Filter patterns for branches, tags and paths, against the examples of GitHub's docs.

Sources: "Workflow syntax for GitHub Actions" (filter pattern cheat sheet, and the
``on.<push|pull_request>.<branches|tags|paths>`` sections), nektos/act ``workflow_pattern_test.go``
and actionlint ``glob.go`` for what is a syntax error.
"""

from __future__ import annotations

import re

import pytest

from mlops.workflow.filters import (
    EventFilter,
    FilterPatternError,
    Matcher,
    compile_pattern,
    compile_patterns,
    event_filter_allows,
    matches,
    matches_any,
    paths_allowed,
    pattern_to_regex,
    ref_allowed,
    split_ref,
)

# --- the cheat sheet -----------------------------------------------------------------------

# "Patterns to match branches and tags": pattern -> the example matches the docs list.
BRANCH_AND_TAG_EXAMPLES = [
    ("feature/*", ["feature/my-branch", "feature/your-branch"]),
    ("feature/**", ["feature/beta-a/my-branch", "feature/your-branch", "feature/mona/the/octocat"]),
    ("main", ["main"]),
    ("releases/mona-the-octocat", ["releases/mona-the-octocat"]),
    ("*", ["main", "releases"]),
    ("**", ["all/the/branches", "every/tag"]),
    ("*feature", ["mona-feature", "feature", "ver-10-feature"]),
    ("v2*", ["v2", "v2.0", "v2.9"]),
    ("v[12].[0-9]+.[0-9]+", ["v1.10.1", "v2.0.0"]),
]

# "Patterns to match file paths".
PATH_EXAMPLES = [
    ("*", ["README.md", "server.rb"]),
    ("*.jsx?", ["page.js", "page.jsx"]),
    ("**", ["all/the/files.md"]),
    ("*.js", ["app.js", "index.js"]),
    ("**.js", ["index.js", "js/index.js", "src/js/app.js"]),
    ("docs/*", ["docs/README.md", "docs/file.txt"]),
    ("docs/**", ["docs/README.md", "docs/mona/octocat.txt"]),
    ("docs/**/*.md", ["docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"]),
    ("**/docs/**", ["docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"]),
    ("**/README.md", ["README.md", "js/README.md"]),
    ("**/*src/**", ["a/src/app.js", "my-src/code/js/app.js"]),
    ("**/*-post.md", ["my-post.md", "path/their-post.md"]),
    ("**/migrate-*.sql", ["migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"]),
]


def _cases(table: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    return [(pattern, value) for pattern, values in table for value in values]


@pytest.mark.parametrize(("pattern", "value"), _cases(BRANCH_AND_TAG_EXAMPLES))
def test_cheat_sheet_branch_and_tag_examples_match(pattern: str, value: str) -> None:
    assert matches([pattern], value)


@pytest.mark.parametrize(("pattern", "value"), _cases(PATH_EXAMPLES))
def test_cheat_sheet_path_examples_match(pattern: str, value: str) -> None:
    assert matches([pattern], value)


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        # '*' stops at '/'; the docs contrast each with its '**' form.
        ("feature/*", "feature/beta-a/my-branch"),
        ("*", "releases/10"),
        ("*", "path/with/slash"),
        ("*.js", "js/index.js"),
        ("docs/*", "docs/mona/octocat.txt"),
        # Path patterns match the whole path from the repository root.
        ("docs/*", "src/docs/file.txt"),
        ("*.js", "app.jsx"),
        ("main", "main2"),
        ("main", "not-main"),
        # '?' and '+' apply to the one preceding character.
        ("*.jsx?", "page.jsxx"),
        ("*.jsx?", "page.j"),
        ("v[12].[0-9]+.[0-9]+", "v3.0.0"),
        ("v[12].[0-9]+.[0-9]+", "v1..1"),
        ("v[12].[0-9]+.[0-9]+", "v1.10"),
        ("v2*", "v1.2"),
        ("**/migrate-*.sql", "db/migrate-v1.sqlx"),
        ("**/*-post.md", "path/post.md"),
    ],
)
def test_non_matches(pattern: str, value: str) -> None:
    assert not matches([pattern], value)


def test_the_cheat_sheets_inline_examples() -> None:
    assert matches("Octo*", "Octocat")
    assert matches_any("[CB]at", ["Cat"]) and matches("[CB]at", "Bat")
    assert not matches("[CB]at", "Hat")
    assert matches("[1-2]00", "100") and matches("[1-2]00", "200")
    assert not matches("[1-2]00", "300")
    # "the range [0-9a-z] matches any digit or lowercase letter"
    assert [matches("[0-9a-z]", c) for c in "5qA-"] == [True, True, False, False]


def test_question_mark_is_zero_or_one_of_the_preceding_character() -> None:
    # Old docs said "Octoc?t matches Octocat"; the current cheat sheet (and act, actionlint)
    # make '?' a quantifier of the preceding character, so 'c?' is "c or nothing".
    assert matches("Octoc?t", "Octoct")
    assert matches("Octoc?t", "Octot")
    assert not matches("Octoc?t", "Octocat")


def test_plus_is_one_or_more_of_the_preceding_character() -> None:
    assert matches("ab+c", "abc") and matches("ab+c", "abbbc")
    assert not matches("ab+c", "ac")
    assert matches("[0-9]+", "2024") and not matches("[0-9]+", "")


def test_dot_and_other_regex_characters_are_literal() -> None:
    # act: '.yml' must not match 'fyml'.
    assert not matches(".yml", "fyml")
    assert matches("a(b)|c{2}$^", "a(b)|c{2}$^")
    assert not matches("a(b)|c", "c")


def test_double_star_slash_also_matches_no_directory() -> None:
    assert matches("**/README.md", "README.md")
    assert matches("a/**/b", "a/b")
    assert matches("a/**/b", "a/x/y/b")
    assert not matches("a/**/b", "ab")


def test_double_star_matches_empty_and_slashes() -> None:
    assert matches("docs/**", "docs/")
    assert matches("**", "")
    assert not matches("*", "a/")


# --- order and negation --------------------------------------------------------------------


def test_negative_pattern_after_a_positive_one_excludes() -> None:
    # Cheat sheet: '*.md', '!README.md' -> hello.md; does not match README.md, docs/hello.md.
    patterns = ["*.md", "!README.md"]
    assert matches(patterns, "hello.md")
    assert not matches(patterns, "README.md")
    assert not matches(patterns, "docs/hello.md")


def test_positive_pattern_after_a_negative_one_reincludes() -> None:
    # Cheat sheet: '*.md', '!README.md', 'README*' -> hello.md, README.md, README.doc.
    patterns = ["*.md", "!README.md", "README*"]
    for value in ("hello.md", "README.md", "README.doc"):
        assert matches(patterns, value)
    assert not matches(patterns, "docs/hello.md")


def test_order_matters() -> None:
    assert not matches(["*.md", "!README.md"], "README.md")
    assert matches(["!README.md", "*.md"], "README.md")


def test_a_list_of_negations_only_matches_nothing() -> None:
    matcher = compile_patterns(["!main", "!dev"])
    assert not matcher.has_positive
    for value in ("main", "dev", "feature", ""):
        assert not matcher.matches(value)


def test_empty_list_matches_nothing() -> None:
    assert not matches([], "main")
    assert not matches_any([], ["main"])


def test_bang_is_special_only_at_the_start() -> None:
    assert matches("a!b", "a!b")
    assert compile_pattern("a!").negated is False
    pattern = compile_pattern("!a")
    assert pattern.negated and pattern.source == "a" and str(pattern) == "!a"


# --- escapes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        ("\\!file", "!file"),  # act: an escaped '!' is a literal, not a negation
        ("escape\\\\backslash", "escape\\backslash"),
        ("release\\+1", "release+1"),
        ("what\\?", "what?"),
        ("\\*star", "*star"),
        ("\\[x]", "[x]"),
        ("c\\+\\+/**", "c++/src/a.cc"),
    ],
)
def test_backslash_makes_special_characters_literal(pattern: str, value: str) -> None:
    assert matches([pattern], value)
    assert not compile_pattern(pattern).negated


def test_escaped_specials_no_longer_act_as_wildcards() -> None:
    assert not matches("\\*star", "bigstar")
    assert not matches("release\\+1", "releasee1")
    assert not matches("what\\?", "wha")


def test_an_unescaped_plus_in_a_branch_name_is_a_quantifier() -> None:
    # github/docs#8106: a branch with '+' in its name must be escaped to match literally.
    assert not matches("feature+x", "feature+x")
    assert matches("feature\\+x", "feature+x")


def test_backslash_before_an_ordinary_character_is_literal() -> None:
    # actionlint glob.go: "\ can escape special characters ... Otherwise \ is handled as normal
    # character" (a file path may contain a backslash).
    assert matches("foo\\bar", "foo\\bar")
    assert not matches("foo\\bar", "foobar")


# --- the regular expression ----------------------------------------------------------------


def test_pattern_to_regex_follows_act() -> None:
    assert pattern_to_regex("feature/*") == "feature/[^/]*"
    assert pattern_to_regex("**/README.md") == r"(?:.+/)?README\.md"
    assert pattern_to_regex("docs/**") == "docs/.*"
    assert pattern_to_regex("v[12].[0-9]+") == r"v[12]\.[0-9]+"


def test_compiled_pattern_matches_whole_values_only() -> None:
    pattern = compile_pattern("main")
    assert pattern.hits("main")
    assert not pattern.hits("xmainx")
    assert isinstance(pattern.regex, re.Pattern)


def test_newlines_are_ordinary_characters() -> None:
    assert matches("**", "a\nb")
    assert matches("*", "a\nb")


# --- invalid patterns ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "fragments"),
    [
        ("", ["it is empty"]),
        ("!", ["'!' must be followed by a pattern"]),
        ("[", ["'[' is never closed", "column 1"]),
        ("release/v[0-9", ["'[' is never closed", "column 10"]),
        ("[]", ["empty character set"]),
        ("[a-]", ["needs a character after '-'"]),
        ("[-a]", ["needs a character before '-'"]),
        ("[z-a]", ["invalid range 'z-a'"]),
        ("[0-z]", ["invalid range '0-z'"]),
        ("[a-Z]", ["invalid range 'a-Z'"]),
        ("?abc", ["'?' repeats the preceding character", "column 1"]),
        ("+abc", ["'+' repeats the preceding character"]),
        ("a*?", ["'?'", "column 3"]),
        ("**+", ["'+'"]),
        ("a??", ["'?'", "column 3"]),
        ("a+?", ["'?'"]),
        ("**/?", ["'?'"]),
        ("!?a", ["'?'", "column 2"]),
        ("!a[b", ["'[' is never closed", "column 3"]),
        ("trailing\\", ["escapes nothing"]),
    ],
)
def test_invalid_patterns_raise_with_what_is_wrong(pattern: str, fragments: list[str]) -> None:
    with pytest.raises(FilterPatternError) as excinfo:
        compile_pattern(pattern)
    message = str(excinfo.value)
    assert repr(pattern) in message
    for fragment in fragments:
        assert fragment in message


def test_filter_pattern_error_is_a_value_error() -> None:
    assert issubclass(FilterPatternError, ValueError)
    with pytest.raises(ValueError, match="never closed"):
        compile_patterns(["main", "v[1"])


def test_valid_bracket_forms() -> None:
    assert matches("[A-z]", "_")  # act allows the A-z range, which spans [\]^_`
    assert matches("[a-cx]", "x") and matches("[a-cx]", "b") and not matches("[a-cx]", "d")
    assert matches("[ab]+", "abba")


def test_non_string_pattern_is_rejected() -> None:
    with pytest.raises(FilterPatternError, match="must be a string"):
        compile_pattern(5)  # type: ignore[arg-type]
    with pytest.raises(FilterPatternError, match="string or a list"):
        compile_patterns({"a": 1})  # type: ignore[arg-type]


# --- Matcher API ---------------------------------------------------------------------------


def test_matcher_api() -> None:
    matcher = compile_patterns(["docs/**", "!docs/internal/**"])
    assert isinstance(matcher, Matcher)
    assert matcher("docs/a.md") and matcher.matches("docs/a.md")
    assert not matcher("docs/internal/a.md")
    assert matcher.matches_any(["src/x.py", "docs/a.md"])
    assert not matcher.matches_any(["src/x.py", "docs/internal/a.md"])
    assert matcher.matches_all(["docs/a.md", "docs/b/c.md"])
    assert not matcher.matches_all(["docs/a.md", "src/x.py"])
    assert matcher.matches_all([])
    assert matcher.has_positive


def test_single_string_is_one_pattern() -> None:
    assert compile_patterns("main").patterns == compile_patterns(["main"]).patterns
    assert matches_any("main", ["dev", "main"])
    assert matches(compile_patterns("main"), "main")


# --- event rules: branches and tags --------------------------------------------------------

PUSH_INCLUDE = {
    "branches": ["main", "mona/octocat", "releases/**"],
    "tags": ["v2", "v1.*"],
}


@pytest.mark.parametrize(
    ("ref", "runs"),
    [
        ("refs/heads/main", True),
        ("refs/heads/mona/octocat", True),
        ("refs/heads/releases/10", True),
        ("refs/tags/v2", True),
        ("refs/tags/v1.9.1", True),
        ("refs/heads/feature", False),
        ("refs/heads/mona", False),
        ("refs/tags/v3", False),
        ("refs/tags/v1", False),
    ],
)
def test_docs_example_including_branches_and_tags(ref: str, runs: bool) -> None:
    assert event_filter_allows(PUSH_INCLUDE, ref=ref) is runs


PUSH_EXCLUDE = {
    "branches-ignore": ["mona/octocat", "releases/**-alpha"],
    "tags-ignore": ["v2", "v1.*"],
}


@pytest.mark.parametrize(
    ("ref", "runs"),
    [
        ("refs/heads/mona/octocat", False),
        # The docs' example name is "beta/3-alpha" for 'releases/**-alpha'; the ref it matches
        # is releases/beta/3-alpha.
        ("refs/heads/releases/beta/3-alpha", False),
        ("refs/heads/releases/3-alpha", False),
        ("refs/tags/v2", False),
        ("refs/tags/v1.9", False),
        ("refs/heads/main", True),
        ("refs/heads/releases/10", True),
        ("refs/tags/v3", True),
        ("refs/tags/v1", True),
    ],
)
def test_docs_example_excluding_branches_and_tags(ref: str, runs: bool) -> None:
    assert event_filter_allows(PUSH_EXCLUDE, ref=ref) is runs


@pytest.mark.parametrize(
    ("branch", "runs"),
    [
        ("releases/10", True),
        ("releases/beta/mona", True),
        ("releases/10-alpha", False),
        ("releases/beta/3-alpha", False),
        ("main", False),
    ],
)
def test_docs_example_including_and_excluding_branches(branch: str, runs: bool) -> None:
    config = {"branches": ["releases/**", "!releases/**-alpha"]}
    # The same example is given for push and for pull_request (a PR's base branch).
    assert event_filter_allows(config, ref=f"refs/heads/{branch}") is runs
    assert event_filter_allows(config, ref=branch) is runs


def test_docs_example_pull_request_branches() -> None:
    include = {"branches": ["main", "mona/octocat", "releases/**"]}
    assert event_filter_allows(include, ref="main")
    assert event_filter_allows(include, ref="releases/10")
    assert not event_filter_allows(include, ref="dev")
    ignore = {"branches-ignore": ["mona/octocat", "releases/**-alpha"]}
    assert not event_filter_allows(ignore, ref="mona/octocat")
    assert not event_filter_allows(ignore, ref="releases/beta/3-alpha")
    assert event_filter_allows(ignore, ref="main")


def test_only_tag_filters_means_branches_do_not_run() -> None:
    config = {"tags": ["v*"]}
    assert event_filter_allows(config, ref="refs/tags/v1")
    assert not event_filter_allows(config, ref="refs/heads/main")
    assert not event_filter_allows({"tags-ignore": ["x"]}, ref="refs/heads/main")


def test_only_branch_filters_means_tags_do_not_run() -> None:
    config = {"branches": ["**"]}
    assert event_filter_allows(config, ref="refs/heads/main")
    assert not event_filter_allows(config, ref="refs/tags/v1")
    assert not event_filter_allows({"branches-ignore": ["x"]}, ref="refs/tags/v1")


def test_no_ref_filters_means_branches_and_tags_run() -> None:
    for config in (None, {}, {"types": ["opened"]}):
        assert event_filter_allows(config, ref="refs/heads/any/branch")
        assert event_filter_allows(config, ref="refs/tags/any-tag")


def test_negations_only_in_branches_never_runs_but_in_branches_ignore_ignores_nothing() -> None:
    assert not event_filter_allows({"branches": ["!main"]}, ref="refs/heads/dev")
    assert event_filter_allows({"branches-ignore": ["!main"]}, ref="refs/heads/main")


def test_ignore_lists_read_patterns_in_order_too() -> None:
    config = {"branches-ignore": ["releases/**", "!releases/keep"]}
    assert not event_filter_allows(config, ref="refs/heads/releases/old")
    assert event_filter_allows(config, ref="refs/heads/releases/keep")


def test_ref_allowed() -> None:
    assert ref_allowed("main")
    assert ref_allowed("main", include=["main"])
    assert not ref_allowed("dev", include=["main"])
    assert not ref_allowed("main", ignore=["main"])
    assert ref_allowed("dev", ignore=compile_patterns(["main"]))
    with pytest.raises(FilterPatternError, match="cannot both"):
        ref_allowed("main", include=["main"], ignore=["dev"])


# --- event rules: paths --------------------------------------------------------------------


def test_docs_example_including_paths() -> None:
    config = {"paths": ["**.js"]}
    assert event_filter_allows(config, ref="refs/heads/main", changed_paths=["src/app.js"])
    assert event_filter_allows(config, changed_paths=["README.md", "index.js"])
    assert not event_filter_allows(config, ref="refs/heads/main", changed_paths=["README.md"])


def test_docs_example_excluding_paths() -> None:
    # Runs only when at least one file outside the root docs directory changed.
    config = {"paths-ignore": ["docs/**"]}
    assert not event_filter_allows(config, changed_paths=["docs/a.md", "docs/b/c.md"])
    assert event_filter_allows(config, changed_paths=["docs/a.md", "src/app.py"])
    assert event_filter_allows(config, changed_paths=["src/docs/a.md"])


@pytest.mark.parametrize(
    ("changed", "runs"),
    [
        (["sub-project/index.js"], True),
        (["sub-project/src/index.js"], True),
        (["sub-project/docs/readme.md"], False),
        (["sub-project/docs/readme.md", "sub-project/index.js"], True),
        (["other/index.js"], False),
    ],
)
def test_docs_example_including_and_excluding_paths(changed: list[str], runs: bool) -> None:
    config = {"paths": ["sub-project/**", "!sub-project/docs/**"]}
    assert event_filter_allows(config, ref="refs/heads/main", changed_paths=changed) is runs


def test_no_changed_files_means_a_path_filtered_workflow_does_not_run() -> None:
    assert not event_filter_allows({"paths": ["**"]}, changed_paths=[])
    assert not event_filter_allows({"paths-ignore": ["docs/**"]}, changed_paths=[])
    assert event_filter_allows({}, changed_paths=[])


def test_unknown_diff_means_path_filters_pass() -> None:
    # More than 1,000 commits or a diff timeout: "the workflow will always run".
    assert event_filter_allows({"paths": ["nothing/**"]}, changed_paths=None)
    assert event_filter_allows({"paths-ignore": ["**"]}, changed_paths=None)


def test_path_filters_are_not_evaluated_for_tags() -> None:
    assert event_filter_allows({"paths": ["src/**"]}, ref="refs/tags/v1", changed_paths=["x"])
    config = {"tags": ["v*"], "paths": ["src/**"]}
    assert event_filter_allows(config, ref="refs/tags/v1", changed_paths=["README.md"])
    assert not event_filter_allows(config, ref="refs/tags/x", changed_paths=["src/a"])


def test_branches_and_paths_must_both_be_satisfied() -> None:
    config = {"branches": ["main"], "paths": ["src/**"]}
    assert event_filter_allows(config, ref="refs/heads/main", changed_paths=["src/a.py"])
    assert not event_filter_allows(config, ref="refs/heads/main", changed_paths=["README.md"])
    assert not event_filter_allows(config, ref="refs/heads/dev", changed_paths=["src/a.py"])
    ignore = {"branches-ignore": ["wip/**"], "paths-ignore": ["docs/**"]}
    assert event_filter_allows(ignore, ref="refs/heads/main", changed_paths=["src/a.py"])
    assert not event_filter_allows(ignore, ref="refs/heads/wip/x", changed_paths=["src/a.py"])
    assert not event_filter_allows(ignore, ref="refs/heads/main", changed_paths=["docs/a.md"])


@pytest.mark.parametrize(
    ("patterns", "changed", "included", "not_all_ignored"),
    [
        # nektos/act workflow_pattern_test.go (Skip / Filter), cases without negations.
        (["*"], ["path/with/slash"], False, True),
        (["path/a", "path/b", "path/c"], ["meta", "path/b", "otherfile"], True, True),
        (["path/a", "path/b", "path/c"], ["path/b"], True, False),
        (["path/a", "path/b", "path/c"], ["path/c", "path/b"], True, False),
        (["path/a", "path/b", "path/c"], ["path/c", "path/b", "path/a"], True, False),
        (["path/a", "path/b", "path/c"], ["path/c", "path/b", "path/d", "path/a"], True, True),
        ([".yml"], ["fyml"], False, True),
        (["\\!file"], ["!file"], True, False),
    ],
)
def test_paths_allowed_against_acts_table(
    patterns: list[str], changed: list[str], included: bool, not_all_ignored: bool
) -> None:
    assert paths_allowed(changed, include=patterns) is included
    assert paths_allowed(changed, ignore=patterns) is not_all_ignored


def test_paths_allowed_without_filters_and_with_both() -> None:
    assert paths_allowed(["a"])
    assert paths_allowed([])
    with pytest.raises(FilterPatternError, match="cannot both"):
        paths_allowed(["a"], include=["a"], ignore=["b"])


# --- event mapping validation --------------------------------------------------------------


@pytest.mark.parametrize("name", ["branches", "tags", "paths"])
def test_include_and_ignore_lists_are_mutually_exclusive(name: str) -> None:
    config = {name: ["a"], f"{name}-ignore": ["b"]}
    with pytest.raises(FilterPatternError, match=f"'{name}' and '{name}-ignore'"):
        EventFilter.from_mapping(config)
    with pytest.raises(FilterPatternError):
        event_filter_allows(config, ref="refs/heads/a", changed_paths=["a"])


def test_a_single_string_is_accepted_as_a_list() -> None:
    # GitHub's schema (workflow-v1.0.json, event-branches): non-empty-string or a sequence.
    event_filter = EventFilter.from_mapping({"branches": "main", "paths": "src/**"})
    assert event_filter.allows(branch="main", changed_paths=["src/a"])
    assert not event_filter.allows(branch="dev", changed_paths=["src/a"])


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"branches": 5}, "'branches' must be a pattern or a list"),
        ({"paths": {"a": 1}}, "'paths' must be a pattern or a list"),
        ({"tags": ["v1", 2]}, "'tags' patterns must be strings"),
        ({"branches": ["main", "v[1"]}, "'branches': invalid filter pattern 'v[1'"),
        ({"paths-ignore": [""]}, "'paths-ignore': invalid filter pattern ''"),
        (["branches"], "must be a mapping"),
    ],
)
def test_invalid_event_filters(config: object, fragment: str) -> None:
    with pytest.raises(FilterPatternError) as excinfo:
        EventFilter.from_mapping(config)  # type: ignore[arg-type]
    assert fragment in str(excinfo.value)


def test_event_filter_allows_rejects_branch_and_tag_together() -> None:
    with pytest.raises(ValueError, match="not both"):
        EventFilter().allows(branch="a", tag="b")


def test_event_filter_keeps_compiled_lists() -> None:
    event_filter = EventFilter.from_mapping({"branches-ignore": ["a"], "paths": ["b"]})
    assert event_filter.branches is None and event_filter.tags is None
    assert event_filter.branches_ignore is not None
    assert event_filter.branches_ignore.matches("a")
    assert event_filter.paths is not None and event_filter.paths_ignore is None


def test_split_ref() -> None:
    assert split_ref("refs/heads/feature/x") == ("branch", "feature/x")
    assert split_ref("refs/tags/v1.2") == ("tag", "v1.2")
    assert split_ref("main") == ("branch", "main")
