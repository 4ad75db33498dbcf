"""Run every adversarial case of tests/test_adversarial.py and count outcomes.

Usage::

    python benchmarks/bench_adversarial.py [--only SUBSTRING] [--verbose]

Prints the table of counts (cases tried, clear error, ok, silently wrong,
unclear, corrupted) and lists the cases whose outcome is not one the case
accepts, with what happened. Exit status 1 when any case is bad.
"""

import argparse
import collections
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KINDS = ("clear error", "ok", "silently wrong", "unclear", "corrupted")


def _cases_module():
    sys.path.insert(0, ROOT)
    sys.path.insert(0, os.path.join(ROOT, "tests"))  # its `from conftest import`
    path = os.path.join(ROOT, "tests", "test_adversarial.py")
    spec = importlib.util.spec_from_file_location("test_adversarial", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--verbose", action="store_true", help="print every case")
    args = parser.parse_args(argv)
    adv = _cases_module()
    cases = [c for c in adv.CASES if not args.only or args.only in c.name]
    counts = collections.Counter()
    by_entry = collections.defaultdict(collections.Counter)
    bad = []
    start = time.perf_counter()
    for case in cases:
        outcome = adv.run_case(case)
        counts[outcome.kind] += 1
        by_entry[case.entry][outcome.kind] += 1
        if outcome.kind not in case.accept:
            bad.append((case, outcome))
        if args.verbose:
            print(f"{outcome.kind:15s} {case.name}: {outcome.detail}", flush=True)
    seconds = time.perf_counter() - start
    accepted_errors = sum(
        1 for c in cases if "clear error" in c.accept and "ok" not in c.accept
    )

    print(f"\n{len(cases)} cases in {seconds:.0f} s")
    print(f"{'':24s}" + "".join(f"{k:>16s}" for k in ("tried", *KINDS)))
    for entry in sorted(by_entry):
        row = by_entry[entry]
        print(
            f"{entry:24s}"
            + "".join(
                f"{n:>16d}" for n in (sum(row.values()), *(row[k] for k in KINDS))
            )
        )
    print(
        f"{'all':24s}"
        + "".join(f"{n:>16d}" for n in (len(cases), *(counts[k] for k in KINDS)))
    )
    print(f"({accepted_errors} cases expect a clear error, the others accept success)")
    if bad:
        print(f"\n{len(bad)} cases with an outcome they do not accept:")
        for case, outcome in bad:
            print(f"  [{outcome.kind}] {case.name}: {outcome.detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
