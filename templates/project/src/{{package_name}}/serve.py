"""Serve the trained model over HTTP: GET /health, POST /predict.

The model is the one the pipeline's ``train`` stage writes (models/model.joblib, a
scikit-learn pipeline). ``POST /predict`` takes ``{"instances": [...]}``: rows of feature
values in the training column order, or records ``{"column": value, ...}``; it answers
``{"predictions": [...]}``. Bad input gets a 400 with ``{"error": "..."}``.

    python -m <package>.serve --port 8080      # or HOST / PORT / MODEL_FILE in the environment
"""

from __future__ import annotations

import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

# train.MODEL_FILE, not imported: train imports what serving does not need.
MODEL_FILE = Path("models/model.joblib")
MAX_BODY = 10 * 1024 * 1024


class BadRequest(ValueError):
    """The request cannot be answered; the message goes back to the client."""


def to_frame(payload: Any, columns: list[str] | None) -> pd.DataFrame:
    """The ``instances`` of a request as a feature table in the model's column order."""
    if not isinstance(payload, dict) or not isinstance(payload.get("instances"), list):
        raise BadRequest('expected a JSON object {"instances": [...]}')
    instances = payload["instances"]
    if not instances:
        raise BadRequest("instances is empty")
    if all(isinstance(row, dict) for row in instances):
        if columns is None:
            raise BadRequest("this model has no column names; send rows of values")
        for number, row in enumerate(instances):
            missing = [c for c in columns if c not in row]
            if missing:
                raise BadRequest(f"instance {number}: missing {', '.join(missing[:5])}")
        rows = [[row[c] for c in columns] for row in instances]
    elif all(isinstance(row, list) for row in instances):
        rows = instances
    else:
        raise BadRequest("instances must all be lists of values or all be objects")
    width = len(columns) if columns is not None else len(rows[0])
    for number, row in enumerate(rows):
        if len(row) != width:
            raise BadRequest(f"instance {number}: {len(row)} values, expected {width}")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in row):
            raise BadRequest(f"instance {number}: every value must be a number")
    return pd.DataFrame(rows, columns=columns)


def make_handler(model: Any) -> type[BaseHTTPRequestHandler]:
    names = getattr(model, "feature_names_in_", None)
    columns = [str(c) for c in names] if names is not None else None

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                self._send(200, {"status": "ok"})
            else:
                self._send(404, {"error": f"no such path: {self.path}"})

        def do_POST(self) -> None:
            if self.path != "/predict":
                self._send(404, {"error": f"no such path: {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    raise BadRequest(f"body larger than {MAX_BODY} bytes")
                try:
                    payload = json.loads(self.rfile.read(length) or b"null")
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    raise BadRequest(f"invalid JSON: {error}") from None
                predictions = model.predict(to_frame(payload, columns))
            except BadRequest as error:
                self._send(400, {"error": str(error)})
                return
            except ValueError as error:  # what the model itself rejects
                self._send(400, {"error": str(error)})
                return
            self._send(200, {"predictions": predictions.tolist()})

    return Handler


def make_server(model: Any, host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), make_handler(model))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    model_file = Path(os.environ.get("MODEL_FILE", MODEL_FILE))
    parser.add_argument("--model", type=Path, default=model_file)
    args = parser.parse_args(argv)
    if not args.model.is_file():
        parser.exit(2, f"{args.model}: no model; run `dvc repro` first\n")
    server = make_server(joblib.load(args.model), args.host, args.port)
    print(f"serve: {args.model} on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
