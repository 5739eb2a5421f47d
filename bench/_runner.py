"""Discover and run every `<prefix>*.py` module in this folder; one failing module does not stop
the others, and the exit status says whether any failed."""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def run_all(prefix: str) -> int:
    only = set(sys.argv[1:])
    names = sorted(p.stem for p in Path(__file__).parent.glob(f"{prefix}*.py"))
    failed = []
    for name in names:
        if only and name not in only and name.removeprefix(prefix) not in only:
            continue
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"--- {name}: {time.perf_counter() - t0:.1f}s", flush=True)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0
