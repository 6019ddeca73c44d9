#!/usr/bin/env python3
"""Generate the Python code and mypy stubs for InfraFabric's protos.

One script, pinned generators (grpcio-tools and mypy-protobuf, see pyproject.toml), output committed
under clients/. CI reruns it and fails on any difference, so never edit the generated files by hand.

Also writes the descriptor set Envoy's gRPC-JSON transcoder reads (envoy/infrafabric.pb), with
imports and source info included.

Usage: python scripts/gen_protos.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
THIRD_PARTY = PROTOS / "third_party"
OUT = ROOT / "clients"
DESCRIPTOR_SET = ROOT / "server" / "infrafabric" / "mesh" / "infrafabric.pb"


def _protoc_include() -> Path:
    import grpc_tools

    return Path(grpc_tools.__file__).parent / "_proto"


def main() -> int:
    sources = sorted(p.relative_to(PROTOS).as_posix() for p in (PROTOS / "infrafabric").rglob("*.proto"))
    if not sources:
        print("gen_protos: no .proto files under protos/infrafabric", file=sys.stderr)
        return 1
    # Remove stale generated packages first so a deleted proto leaves nothing behind.
    for pkg in {Path(s).parent for s in sources}:
        target = OUT / pkg
        if target.exists():
            for f in target.glob("*_pb2*"):
                f.unlink()
    bin_dir = Path(sys.executable).parent
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTOS}",
        f"-I{THIRD_PARTY}",
        f"-I{_protoc_include()}",
        f"--plugin=protoc-gen-mypy={shutil.which('protoc-gen-mypy', path=str(bin_dir)) or 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={shutil.which('protoc-gen-mypy_grpc', path=str(bin_dir)) or 'protoc-gen-mypy_grpc'}",
        f"--python_out={OUT}",
        f"--grpc_python_out={OUT}",
        f"--mypy_out={OUT}",
        f"--mypy_grpc_out={OUT}",
        f"--descriptor_set_out={DESCRIPTOR_SET}",
        "--include_imports",
        "--include_source_info",
        *sources,
    ]
    subprocess.run(cmd, check=True, cwd=ROOT)
    # Each generated package gets an __init__.py and a py.typed marker so users' mypy sees the stubs.
    for pkg in sorted({Path(s).parent for s in sources}):
        for directory in (OUT / pkg.parent, OUT / pkg):
            init = directory / "__init__.py"
            if not init.exists():
                init.write_text(f'"""Generated Protobuf package {".".join(directory.relative_to(OUT).parts)}."""\n')
            (directory / "py.typed").touch()
    print(f"gen_protos: generated {len(sources)} protos into {OUT.relative_to(ROOT)}/ and {DESCRIPTOR_SET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
