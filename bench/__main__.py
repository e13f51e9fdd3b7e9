"""Run every benchmark module, print a table and write bench/results.json.

Each ``bench/bench_<area>.py`` exposes ``run() -> dict[str, dict]`` returning
``{name: {"value": float, "unit": str, "peer": float | None, "ratio": float | None}}`` where
ratio = ours / peer's, both measured in the same run on the same data.
Select areas with ``python -m bench lsl features``.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path

from sensors.lsl.isolation import isolate_lsl

HERE = Path(__file__).resolve().parent


def _fmt(x: object) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def main(argv: list[str]) -> int:
    isolate_lsl("oasis-bench")  # private LSL session and ports: other programs neither see nor disturb us
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if argv:
        modules = [m for m in modules if m.removeprefix("bench_") in argv]
    results: dict[str, dict] = {}
    failed = []
    for name in modules:
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            results.update(importlib.import_module(f"bench.{name}").run())
        except Exception:  # a broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    width = max((len(k) for k in results), default=10)
    print(f"\n{'benchmark':<{width}}  {'value':>12}  {'unit':<10}  {'peer':>12}  {'ratio':>8}")
    for key, row in results.items():
        print(
            f"{key:<{width}}  {_fmt(row.get('value')):>12}  {row.get('unit', ''):<10}  "
            f"{_fmt(row.get('peer')):>12}  {_fmt(row.get('ratio')):>8}"
        )
    (HERE / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {HERE / 'results.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
