"""Generates the Python client (`crm_client`) from the OpenAPI document with openapi-python-client.

Fails when the generator warns about anything not in KNOWN below — a warning means it left part
of our API out of the client or could not read it, which is a contract bug to fix in the spec
(the utoipa annotations), not here. Every entry of KNOWN says why it is accepted; an entry the
generator no longer reports is pointed out so the list shrinks. Then every generated module is
imported, which catches code the generator wrote but Python cannot load.

    python tests/contract/generate_sdk.py openapi/openapi.json target/sdk/python
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "openapi-python-client.yaml"
PACKAGE = "crm_client"

# "METHOD /path" → why the generator's warning about it is accepted.
KNOWN: dict[str, str] = {}


def main() -> int:
    spec, out = Path(sys.argv[1]), Path(sys.argv[2])
    bin_dir = Path(sys.executable).parent
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"), "generate",
            "--path", str(spec),
            "--config", str(CONFIG),
            "--meta", "setup",
            "--output-path", str(out),
        ],
        capture_output=True,
        text=True,
        # The generator formats its output with ruff, which the venv holds.
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    output = result.stdout + result.stderr
    if result.returncode != 0 or not (out / PACKAGE).is_dir():
        print(output)
        print(f"openapi-python-client failed ({result.returncode})", file=sys.stderr)
        return 1
    warned = {
        f"{m.group(1)} {m.group(2)}": m.group(0)
        for m in re.finditer(r"WARNING parsing (\w+) (\S+) within \w+\..*", output)
    }
    other = [line for line in output.splitlines() if re.search(r"\b(WARNING|ERROR)\b", line) and "parsing" not in line]
    unexpected = sorted(set(warned) - set(KNOWN))
    for gone in sorted(set(KNOWN) - set(warned)):
        print(f"note: the generator no longer warns about {gone}: drop it from KNOWN in {Path(__file__).name}")
    for known in sorted(set(KNOWN) & set(warned)):
        print(f"accepted generator warning, {known}: {KNOWN[known]}")
    if unexpected or other:
        print(output)
        print(
            "openapi-python-client cannot fully read the spec: "
            + "; ".join(unexpected + other)
            + "\nFix the utoipa annotations (then `make openapi`), or, if the generator is wrong, "
            f"add the operation with the reason to KNOWN in {Path(__file__).name}.",
            file=sys.stderr,
        )
        return 1
    sys.path.insert(0, str(out.resolve()))
    package = importlib.import_module(PACKAGE)
    modules = [m.name for m in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")]
    for name in modules:
        importlib.import_module(name)
    print(f"generated {PACKAGE} in {out}: {len(modules)} modules, all importable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
