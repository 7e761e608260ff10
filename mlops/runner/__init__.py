"""Executes a plan of GitHub Actions jobs on this machine (the host backend).

Imports the pure workflow model and never parses YAML itself.
"""
