"""What a docker action's container sees (run by the docker-action-contract case)."""

import json
import os
import sys
from pathlib import Path

env = os.environ
print("argv", "|".join(sys.argv[1:]))
for key in ("GITHUB_WORKSPACE", "HOME", "GITHUB_EVENT_PATH", "WORKFLOW_ENV", "STEP_ENV"):
    print(f"{key}={env.get(key, '<unset>')}")
print(f"INPUT_MY_INPUT={env.get('INPUT_MY_INPUT')} INPUT_ENTRYPOINT={env.get('INPUT_ENTRYPOINT')}")
print("cwd", Path.cwd(), "has README.md", Path("README.md").is_file())
print("event ref", json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())["ref"])
print("commands in", Path(env["GITHUB_OUTPUT"]).parent)
print("secret", env["SECRET"])
print("::warning::from the container")
for name, line in (
    ("GITHUB_OUTPUT", "answer=42"),
    ("GITHUB_ENV", "FROM_ACTION=yes"),
    ("GITHUB_STEP_SUMMARY", "## From a container"),
):
    with Path(env[name]).open("a") as out:
        out.write(line + "\n")
