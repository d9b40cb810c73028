"""Robust regression on noisy sinc data (Natekin & Knoll 2013): the full tables of
docs/benchmarks.md.

The study itself is ``boostobj.cli.robust_study`` (``boostobj compare`` runs it with fewer
seeds); this script runs 10 seeds of both contaminations on both boosters and writes the
panels.

    python benchmarks/robust_sinc.py                     # 10 seeds, both contaminations
    python benchmarks/robust_sinc.py --seeds 2 --png sinc.png
"""

from __future__ import annotations

import argparse
import os

from boostobj.cli import robust_study as study


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=study.ROUNDS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--png", default="robust_sinc.png", help="'' for no plot")
    args = parser.parse_args(argv)
    summaries = study.run_study(args.seeds, study.CONTAMINATIONS, args.rounds, study.BOOSTERS,
                          jobs=args.jobs)
    for contamination, summary in summaries.items():
        print(study.table(summary, contamination))
    if args.png:
        from boostobj.cli.pictures import sinc_figure

        sinc_figure(args.png, *study.panels(args.rounds))
        print(f"wrote {args.png}")
    return summaries


if __name__ == "__main__":
    main()
