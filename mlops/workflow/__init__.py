"""Pure model of GitHub Actions workflows: loading, expressions, events, matrix, plans. Executes nothing."""  # noqa: E501
