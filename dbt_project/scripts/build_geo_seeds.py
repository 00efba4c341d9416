"""Build the geography seeds of the dbt project from the derived files in ``ingestion/snapshot/geo``.

Writes (committed, re-run only when the geo files change):

- ``seeds/region_adjacency.csv``: contiguity pairs, stored symmetric (both (a, b) and (b, a)), for
  ``geo_version`` in ``pre2018`` (16 units, South Kazakhstan as ``KZ-YKO``), ``2018_2021`` (17 units),
  ``2022`` (20 units; the 3 rows flagged SPURIOUS in the source are dropped) and
  ``comparable_pre2018`` (the pre2018 pairs expressed in ``comparable_region_code``).
- ``seeds/region_boundary_lineage.csv``: the 2018 and 2022 splits, parent -> child.

Usage: ``python dbt_project/scripts/build_geo_seeds.py`` (no arguments; paths are relative to the repo).
"""

from __future__ import annotations

import csv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GEO = REPO / "ingestion" / "snapshot" / "geo"
SEEDS = REPO / "dbt_project" / "seeds"

#: The stable pre-2018 unit of every code used in the pre2018 geography. Units that never changed keep
#: their own code; the four units split in 2018 or 2022 get the composite code of the regions seed.
COMPARABLE = {
    "KZ-19": "KZ-19-33",
    "KZ-35": "KZ-35-62",
    "KZ-63": "KZ-63-10",
    "KZ-YKO": "KZ-61-79",
}

#: Crosswalk labels -> region codes (South Kazakhstan has no ISO code: project code KZ-YKO).
LINEAGE_CODES = {
    "Abay": "KZ-10",
    "East Kazakhstan": "KZ-63",
    "Zhetysu": "KZ-33",
    "Almaty Region": "KZ-19",
    "Ulytau": "KZ-62",
    "Karaganda": "KZ-35",
    "Turkestan": "KZ-61",
    "Shymkent": "KZ-79",
    "South Kazakhstan": "KZ-YKO",
}


def iso(code: str) -> str:
    """``KZ11`` -> ``KZ-11``."""
    code = code.strip()
    if not (code.startswith("KZ") and code[2:].isdigit() and len(code) == 4):
        raise ValueError(f"unexpected region code {code!r}")
    return f"KZ-{code[2:]}"


def read_pairs(path: Path, version: str) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pairs = []
    for row in rows:
        a = row.get("code_a") or row["iso_3166_2_a"]
        b = row.get("code_b") or row["iso_3166_2_b"]
        if "SPURIOUS" in (row.get("note") or "").upper():
            continue
        a, b = iso(a), iso(b)
        if version == "pre2018":
            # In the pre-2018 file KZ61 is South Kazakhstan (Turkestan + Shymkent), not Turkestan.
            a, b = ("KZ-YKO" if c == "KZ-61" else c for c in (a, b))
        pairs.append((a, b))
    return pairs


def symmetric(pairs: list[tuple[str, str]], version: str) -> list[tuple[str, str, str]]:
    out = set()
    for a, b in pairs:
        if a == b:
            raise ValueError(f"self-pair {a} in {version}")
        out.add((a, b, version))
        out.add((b, a, version))
    return sorted(out)


def build_adjacency() -> list[tuple[str, str, str]]:
    files = {
        "pre2018": GEO / "kz_regions_pre2018_adjacency_derived.csv",
        "2018_2021": GEO / "kz_regions_2018_2021_adjacency_derived.csv",
        "2022": GEO / "kz_regions_2022_adjacency_derived.csv",
    }
    expected = {"pre2018": 28, "2018_2021": 29, "2022": 35}
    rows: list[tuple[str, str, str]] = []
    pre2018: list[tuple[str, str]] = []
    for version, path in files.items():
        pairs = read_pairs(path, version)
        if len(set(pairs)) != expected[version]:
            raise ValueError(f"{version}: {len(set(pairs))} pairs, expected {expected[version]}")
        if version == "pre2018":
            pre2018 = pairs
        rows += symmetric(pairs, version)
    comparable = [(COMPARABLE.get(a, a), COMPARABLE.get(b, b)) for a, b in pre2018]
    rows += symmetric(comparable, "comparable_pre2018")
    return rows


def build_lineage() -> list[tuple[str, str, int, str]]:
    with (GEO / "opencausality_region_splits_crosswalk.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        parent = LINEAGE_CODES[row["parent_region"].strip()]
        child = LINEAGE_CODES[row["new_region"].strip()]
        out.append((parent, child, int(row["split_year"]), row["notes"].strip()))
    return sorted(out, key=lambda r: (r[2], r[0], r[1]))


def check_against_regions_seed(adjacency: list[tuple[str, str, str]]) -> None:
    """If the regions seed exists, every code used here must be in it with the same comparable code."""
    path = SEEDS / "regions.csv"
    if not path.exists():
        return
    with path.open(newline="", encoding="utf-8") as fh:
        regions = {r["region_code"]: r for r in csv.DictReader(fh)}
    for a, b, version in adjacency:
        for code in (a, b):
            if version == "comparable_pre2018":
                known = {r["comparable_region_code"] for r in regions.values()}
                if code not in known:
                    raise ValueError(f"comparable code {code} not in regions.csv")
            elif code not in regions:
                raise ValueError(f"{code} ({version}) not in regions.csv")
    for code, comparable in COMPARABLE.items():
        if code in regions and regions[code]["comparable_region_code"] != comparable:
            raise ValueError(f"{code}: regions.csv says {regions[code]['comparable_region_code']}")


def main() -> None:
    adjacency = build_adjacency()
    check_against_regions_seed(adjacency)
    with (SEEDS / "region_adjacency.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["region_a", "region_b", "geo_version"])
        writer.writerows(adjacency)
    with (SEEDS / "region_boundary_lineage.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["parent_region_code", "child_region_code", "split_year", "note"])
        writer.writerows(build_lineage())


if __name__ == "__main__":
    main()
