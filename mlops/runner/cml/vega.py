"""The Vega command-line tools CML's setup action installs (``vl2svg``, ``vl2png``,
``vg2svg``, ``vg2png``), standing on vl-convert (a Rust build of Vega, no node, no network).

Invoked as ``python -m mlops.runner.cml.vega NAME [options] [input] [output]``, with the
arguments of vega-cli and vega-lite's bin scripts: the spec is read from ``input`` (stdin
when absent or ``-``) and the image written to ``output`` (stdout when absent). Options:
``-s/--scale`` (PNG), ``-h/--header`` (SVG: an XML header), ``-p/--pretty`` (accepted).
A bad spec is one line on stderr and exit 1, as the JavaScript tools exit.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TOOLS = ("vl2svg", "vl2png", "vg2svg", "vg2png")
_HEADER = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
)


def _parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=name, add_help=False)
    parser.add_argument("-s", "--scale", type=float, default=1.0)
    parser.add_argument("-h", "--header", action="store_true")
    parser.add_argument("-p", "--pretty", action="store_true")
    parser.add_argument("--help", action="help")
    parser.add_argument("input", nargs="?", default="-")
    parser.add_argument("output", nargs="?")
    return parser


def convert(name: str, spec: dict[str, Any], scale: float = 1.0, header: bool = False) -> bytes:
    import vl_convert  # ~1 s with its Vega engine: only when a tool runs

    lite, kind = name.startswith("vl"), name[-3:]
    if kind == "svg":
        text = vl_convert.vegalite_to_svg(spec) if lite else vl_convert.vega_to_svg(spec)
        return ((_HEADER if header else "") + text).encode()
    if lite:
        return bytes(vl_convert.vegalite_to_png(spec, scale=scale))
    return bytes(vl_convert.vega_to_png(spec, scale=scale))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TOOLS:
        print(f"usage: python -m mlops.runner.cml.vega {{{','.join(TOOLS)}}} ...", file=sys.stderr)
        return 2
    name = argv[0]
    options = _parser(name).parse_args(argv[1:])
    try:
        text = (
            sys.stdin.read()
            if options.input == "-"
            else Path(options.input).read_text(encoding="utf-8")
        )
    except OSError as error:
        print(f"{name}: {options.input}: {error.strerror or error}", file=sys.stderr)
        return 1
    try:
        spec = json.loads(text)
    except ValueError as error:
        print(f"{name}: {options.input}: not JSON: {error}", file=sys.stderr)
        return 1
    try:
        data = convert(name, spec, options.scale, options.header)
    except ModuleNotFoundError:
        print(
            f"{name}: vl-convert-python is not installed (pip install vl-convert-python)",
            file=sys.stderr,
        )
        return 127
    except Exception as error:  # vl-convert raises ValueError/RuntimeError for bad specs
        print(f"{name}: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    if options.output:
        try:
            Path(options.output).write_bytes(data)
        except OSError as error:
            print(f"{name}: {options.output}: {error.strerror or error}", file=sys.stderr)
            return 1
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
