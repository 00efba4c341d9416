"""``python -m reporting [--db PATH] [--out PATH]``: render the HTML report of the published marts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingestion.settings import Settings
from reporting.report import render_report


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m reporting", description=__doc__)
    parser.add_argument("--db", type=Path, default=settings.published_db, help="published DuckDB file")
    parser.add_argument("--out", type=Path, default=settings.publish_dir / "report.html", help="HTML file")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"no published database at {args.db}: run `make run` first", file=sys.stderr)
        return 1
    result = render_report(args.db, args.out)
    print(f"report of publication {result.version}: {result.path}")
    for section in result.sections:
        print(f"  {'ok  ' if section.available else 'n/a '} {section.id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
