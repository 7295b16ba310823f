"""The benchmarks of this tree side by side with those of another commit, in one run.

Each round runs every chosen benchmark once in each tree (the other commit is checked out in a
temporary git worktree), alternating which tree goes first, so that a machine that gets busier
or quieter during the run does not favour one side. Each tree runs its own copy of the
benchmark script, so a benchmark measures that tree's code. Figures are read from the
scripts' printed summaries; the table shows every round, the median and the spread.

Run:  .venv/bin/python bench/compare_commits.py --base <commit> [--rounds 3] [--only intake,latency,import]
Needs what the benchmarks need: PostgreSQL, Redis and wrk (see each script).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Bench:
    script: str
    args: tuple[str, ...]
    # figure name → (regular expression over the script's output, group), "higher is better"
    figures: dict[str, tuple[str, int, bool]]


_INTAKE = r"^\s+{name}\s+(\d+) req/s\s+([\d.]+) × bare\s+p99 ([\d.]+) ms"
_IMPORT = r"ours:\s+(\d+) rows in\s+([\d.]+) s =\s+(\d+) rows/s end to end \((\d+) rows/s write path"

BENCHES = {
    "intake": Bench(
        "bench/bench_intake.py",
        ("--rounds", "1"),
        {
            "bare req/s": (_INTAKE.format(name="bare"), 1, True),
            "ours req/s": (_INTAKE.format(name="ours"), 1, True),
            "ours × bare": (_INTAKE.format(name="ours"), 2, True),
            "ours p99 ms": (_INTAKE.format(name="ours"), 3, False),
        },
    ),
    "latency": Bench(
        "bench/bench_latency.py",
        ("--seconds", "20"),
        {
            "p50 ms": (r"p50 (\d+) ms", 1, False),
            "p95 ms": (r"p95 (\d+) ms", 1, False),
        },
    ),
    "import": Bench(
        "bench/bench_import.py",
        ("--baseline-guest-days", "2", "--baseline-booking-days", "1"),
        {
            "seconds": (_IMPORT, 2, False),
            "rows/s end to end": (_IMPORT, 3, True),
            "rows/s write path": (_IMPORT, 4, True),
            "peak MB": (r"worker peak memory (\d+) MB", 1, False),
        },
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the commit to compare with (e.g. main~3)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="intake,latency,import", help="comma-separated: " + ", ".join(BENCHES))
    parser.add_argument("--logs", type=Path, default=Path("/tmp/bench_compare"))
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHES)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    args.logs.mkdir(parents=True, exist_ok=True)
    base_sha = _git("rev-parse", "--short", args.base)
    head_sha = _git("rev-parse", "--short", "HEAD") + ("+changes" if _git("status", "--porcelain") else "")

    with tempfile.TemporaryDirectory(prefix="bench-base-") as tmp:
        base_tree = Path(tmp) / "tree"
        _git("worktree", "add", "--detach", str(base_tree), args.base)
        try:
            trees = {"base": base_tree, "head": ROOT}
            results: dict[tuple[str, str], list[dict[str, float]]] = {}
            for round_no in range(1, args.rounds + 1):
                order = ("base", "head") if round_no % 2 else ("head", "base")
                for name in chosen:
                    for side in order:
                        print(f"round {round_no}: {name} on {side}…", flush=True)
                        figures = _run(BENCHES[name], trees[side], args.logs / f"{name}-{side}-{round_no}.log")
                        results.setdefault((name, side), []).append(figures)
        finally:
            _git("worktree", "remove", "--force", str(base_tree))

    print(f"\nbase = {base_sha}, head = {head_sha}; {args.rounds} round(s), logs in {args.logs}")
    for name in chosen:
        print(f"\n{name}")
        print(f"  {'figure':<20} {'side':<5} {'rounds':<32} {'median':>9} {'spread':>9}")
        for figure, (_pattern, _group, higher_better) in BENCHES[name].figures.items():
            medians = {}
            for side in ("base", "head"):
                values = [r[figure] for r in results[(name, side)] if figure in r]
                if not values:
                    print(f"  {figure:<20} {side:<5} (not printed: see the logs)")
                    continue
                medians[side] = statistics.median(values)
                rounds = " ".join(f"{v:g}" for v in values)
                print(f"  {figure:<20} {side:<5} {rounds:<32} {medians[side]:>9g} {max(values) - min(values):>9g}")
            if len(medians) == 2 and medians["base"]:
                change = medians["head"] / medians["base"] - 1
                better = (change >= 0) == higher_better
                print(f"  {'':<20} head vs base: {change:+.1%} ({'better' if better or not change else 'worse'})")


def _run(bench: Bench, tree: Path, log: Path) -> dict[str, float]:
    # bench_import.py's two ways of a first import take an hour or more: not part of a comparison.
    env = {**os.environ, "BENCH_IMPORT_WAYS": "off"}
    out = subprocess.run([PYTHON, bench.script, *bench.args], cwd=tree, env=env, capture_output=True, text=True)
    log.write_text(out.stdout + "\n--- stderr ---\n" + out.stderr)
    figures = {}
    for figure, (pattern, group, _higher_better) in bench.figures.items():
        match = re.search(pattern, out.stdout, re.MULTILINE)
        if match:
            figures[figure] = float(match.group(group))
    if out.returncode:
        print(f"  exit {out.returncode}: see {log}", flush=True)
    return figures


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    main()
