"""Validation of workflows and action.yml files: schema, expressions, contexts and job graph.

``loader`` reads and checks a workflow file (used by ``mlops run`` and ``mlops lint``);
``base`` holds the shared value and expression checks, ``jobs`` the job and step checks, and
``actionfile`` reads and checks an ``action.yml`` (the one reader of ``mlops run``'s local
actions and ``mlops lint``).
"""
