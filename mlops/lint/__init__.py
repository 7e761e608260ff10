"""``mlops lint``: findings from our own checks and from wrapped linters, in one answer.

Our checks are built on the pure workflow engine (mlops.workflow); actionlint, zizmor and
hadolint run when installed (the ``lint`` extra), once per tool over every file, in parallel.
"""
