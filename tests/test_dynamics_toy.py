"""The regional dynamics marts on a hand-checked toy panel (values written below).

The panel is written into schema ``fixtures`` of a temp DuckDB file and the marts under
models/marts/dynamics are built on it with the vars ``kzw_ineq_input_relation`` /
``kzw_ineq_adjacency_relation`` (the mechanism of tests/test_inequality_toy.py; nothing upstream
is built; the YAML unit tests run in the normal build instead). Each expected value is derived
by hand in the docstring of its test; the PySAL check functions of tests/test_dynamics_pysal.py
then run on the same build.

Toy panel (indicator grp_per_capita_kzt, geo_version 'toy'): path contiguity A-B, B-C, C-D; D is a
city; E has no neighbour.

    year   A   B   C   D    E       population
    2000   1   2   3   6  100       A 300, others 100
    2001   2   1   6   3  100       100 each
    macro-region W: A, C; E: B, D, E
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.test_dynamics_pysal import (
    check_local_moran,
    check_markov,
    check_polarisation,
    check_rank_mobility,
    check_spatial_gini,
    load_dynamics,
)
from tests.test_inequality_toy import ADJACENCY_RELATION, INPUT_COLUMNS, INPUT_RELATION, _dbt

GRP = "grp_per_capita_kzt"
REGIONS = {"A": "oblast", "B": "oblast", "C": "oblast", "D": "city", "E": "oblast"}
PATH = [("A", "B"), ("B", "C"), ("C", "D")]
# (year, region) -> (y, population)
PANEL = {
    (2000, "A"): (1, 300),
    (2000, "B"): (2, 100),
    (2000, "C"): (3, 100),
    (2000, "D"): (6, 100),
    (2000, "E"): (100, 100),
    (2001, "A"): (2, 100),
    (2001, "B"): (1, 100),
    (2001, "C"): (6, 100),
    (2001, "D"): (3, 100),
    (2001, "E"): (100, 100),
}
INCOME = "money_income_per_capita_kzt"
# Markov panel (money income, population 100 everywhere): 2010 -> 2011 nobody moves, 2011 -> 2012
# every region moves up one rank and the top region E drops to the bottom.
INCOME_PANEL = {
    2010: {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5},
    2011: {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5},
    2012: {"A": 2, "B": 3, "C": 4, "D": 5, "E": 1},
}
MACRO_REGION = {"A": "W", "B": "E", "C": "W", "D": "E", "E": "E"}


def _write_fixtures(db_path: Path) -> None:
    rows = [
        (
            "as_published",
            "toy",
            year,
            code,
            REGIONS[code],
            MACRO_REGION[code],
            GRP,
            "KZT",
            float(y),
            float(pop),
            None,
        )
        for (year, code), (y, pop) in sorted(PANEL.items())
    ] + [
        (
            "as_published",
            "toy",
            year,
            code,
            REGIONS[code],
            MACRO_REGION[code],
            INCOME,
            "KZT",
            float(y),
            100.0,
            None,
        )
        for year, values in sorted(INCOME_PANEL.items())
        for code, y in sorted(values.items())
    ]
    pairs = [(a, b, "toy") for a, b in PATH] + [(b, a, "toy") for a, b in PATH]
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema fixtures")
        columns = ", ".join(f"{name} {kind}" for name, kind in INPUT_COLUMNS.items())
        con.execute(f"create table {INPUT_RELATION} ({columns})")
        con.executemany(f"insert into {INPUT_RELATION} values ({', '.join('?' * len(INPUT_COLUMNS))})", rows)
        con.execute(
            f"create table {ADJACENCY_RELATION} (region_a varchar, region_b varchar, geo_version varchar)"
        )
        con.executemany(f"insert into {ADJACENCY_RELATION} values (?, ?, ?)", pairs)


@pytest.fixture(scope="session")
def toy_dynamics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    workdir = tmp_path_factory.mktemp("kzw-dynamics-toy")
    db_path = workdir / "toy.duckdb"
    _write_fixtures(db_path)
    # The YAML unit tests mock ref('int_indicators__long'), which the override var bypasses: skip them.
    build = ["build", "--select", "path:models/marts/dynamics", "--exclude-resource-type", "unit_test"]
    result = _dbt(build, workdir, db_path)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return load_dynamics(db_path, INPUT_RELATION, ADJACENCY_RELATION)


def _row(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, f"expected one row for {where}, found {int(mask.sum())}"
    return frame[mask].iloc[0]


def test_local_moran_by_hand(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    """2000, all regions: E is an isolate, so W = path A-B-C-D, y = 1, 2, 3, 6, mean 3.

    d = -2, -1, 0, 3; sum d^2 = 14; z = d / sqrt(3.5); lags (row-standardised):
    A z_B, B (z_A + z_C)/2, C (z_B + z_D)/2, D z_C  ->  z_i lag_i = 4/7, 2/7, 0, 0.
    I_i = (n - 1) z_i lag_i / sum z^2 = 3/4 z_i lag_i = 3/7, 3/14, 0, 0.
    b2 = n sum d^4 / (sum d^2)^2 = 4 * 98 / 196 = 2, so Var = (1/deg)(n - b2)/(n - 1) + 0 - 1/9
    = 2/(3 deg) - 1/9 = 5/9 (deg 1), 2/9 (deg 2). EI = -1/3.
    """
    frame = toy_dynamics["mart_local_moran"]
    lm = frame[(frame["year"] == 2000) & (frame["city_scope"] == "all_regions") & (frame["indicator"] == GRP)]
    assert sorted(lm["region_code"]) == ["A", "B", "C", "D"]
    expected = {
        "A": (3 / 7, 5 / 9, 16 / (7 * math.sqrt(5)), "LL"),
        "B": (3 / 14, 2 / 9, 23 / (14 * math.sqrt(2)), "LL"),
        "C": (0.0, 2 / 9, 1 / math.sqrt(2), "LH"),
        "D": (0.0, 5 / 9, 1 / math.sqrt(5), "HL"),
    }
    for code, (local_i, variance, z_score, quadrant) in expected.items():
        row = _row(lm, region_code=code)
        assert math.isclose(row["local_moran_i"], local_i, rel_tol=1e-12, abs_tol=1e-15), code
        assert math.isclose(row["expected_i"], -1 / 3, rel_tol=1e-12), code
        assert math.isclose(row["variance_i"], variance, rel_tol=1e-12), code
        assert math.isclose(row["z_score"], z_score, rel_tol=1e-12), code
        assert row["quadrant"] == quadrant, code
        assert row["n_units"] == 4


def test_local_moran_toy_equals_esda(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_local_moran(toy_dynamics) > 0


def test_wolfson_by_hand(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    """2000, y = 1, 2, 3, 6, 100 (all five regions; no contiguity is involved).

    Unweighted: sum y = 112, cumulative 1, 3, 6, 12, 112; the half lies in C's segment (P 2/5 to
    3/5): L(1/2) = (3 + (5/2 - 2) 3) / 112 = 9/224; m = 3; mu = 22.4;
    G = sum_i y_(i) (2i - n - 1) / (n sum y) = (-4 - 4 + 0 + 12 + 400) / 560 = 101/140;
    W = (1 - 9/112 - 101/140) 22.4 / 3 = (111/560)(112/15) = 111/75.
    Weighted (A 300, others 100; P = 700): cumulative population 300, 400, ...; the half (350)
    lies in B's segment: L = (300 + 50 x 2) / 11400 = 2/57; m = 2; mu = 11400/700 = 114/7;
    G = sum p_i y_i (2 P_(<i) + p_i - P) / (P sum p y) = 6180000 / 7980000 = 103/133;
    W = (1 - 4/57 - 103/133)(114/7)/2 = (62/399)(57/7) = 62/49.
    """
    frame = toy_dynamics["mart_polarisation"]
    frame = frame[frame["indicator"] == GRP]
    unweighted = _row(frame, year=2000, weighting="unweighted")
    weighted = _row(frame, year=2000, weighting="population_weighted")
    assert math.isclose(unweighted["wolfson"], 111 / 75, rel_tol=1e-12)
    assert math.isclose(unweighted["gini"], 101 / 140, rel_tol=1e-12)
    assert math.isclose(unweighted["lorenz_at_half"], 9 / 224, rel_tol=1e-12)
    assert unweighted["median"] == 3
    assert math.isclose(weighted["wolfson"], 62 / 49, rel_tol=1e-12)
    assert math.isclose(weighted["gini"], 103 / 133, rel_tol=1e-12)
    assert math.isclose(weighted["lorenz_at_half"], 2 / 57, rel_tol=1e-12)
    assert weighted["median"] == 2


def test_weighted_wolfson_is_wolfson_of_the_repeated_regions(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    """Population weighting = PySAL's wolfson with each region repeated population times."""
    from inequality.wolfson import wolfson

    frame = toy_dynamics["mart_polarisation"]
    frame = frame[frame["indicator"] == GRP]
    for year in sorted({year for year, _ in PANEL}):
        cells = [(y, pop) for (y_year, _), (y, pop) in sorted(PANEL.items()) if y_year == year]
        repeated = np.repeat([float(y) for y, _ in cells], [int(pop) for _, pop in cells])
        row = _row(frame, year=year, weighting="population_weighted")
        assert math.isclose(row["wolfson"], float(wolfson(repeated)), rel_tol=1e-9), year


def test_polarisation_toy_equals_pysal(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_polarisation(toy_dynamics) > 0


def test_spatial_gini_by_hand(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    """2000, y = 1, 2, 3, 6, 100; contiguous pairs A-B (|d| 1), B-C (1), C-D (3); E isolated.

    All regions: unordered |differences| 16 among A-D plus 99 + 98 + 97 + 94 with E = 404, so
    SAD = 808 over ordered pairs; 2 n^2 mu = 2 x 25 x 22.4 = 1120; G = 808/1120 = 101/140;
    neighbours 2 (1 + 1 + 3) = 10 -> 10/1120 = 1/112; the rest 798/1120 = 57/80;
    polarisation = (798/10)(3/7) = 34.2 (3 of the 10 pairs contiguous).
    Without the city D: y = 1, 2, 3, 100, SAD = 2 x 298 = 596, 2 n^2 mu = 848, G = 149/212;
    neighbours 4; polarisation = (592/4)(2/4) = 74.
    """
    frame = toy_dynamics["mart_spatial_gini"]
    frame = frame[frame["indicator"] == GRP]
    every = _row(frame, year=2000, city_scope="all_regions")
    assert math.isclose(every["gini"], 101 / 140, rel_tol=1e-12)
    assert math.isclose(every["gini_neighbours"], 1 / 112, rel_tol=1e-12)
    assert math.isclose(every["gini_non_neighbours"], 57 / 80, rel_tol=1e-12)
    assert math.isclose(every["polarisation"], 34.2, rel_tol=1e-12)
    assert (every["n_neighbour_pairs"], every["n_non_neighbour_pairs"]) == (3, 7)
    no_city = _row(frame, year=2000, city_scope="excluding_enclave_cities")
    assert math.isclose(no_city["gini"], 149 / 212, rel_tol=1e-12)
    assert math.isclose(no_city["polarisation"], 74.0, rel_tol=1e-12)


def test_spatial_gini_toy_equals_pysal(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_spatial_gini(toy_dynamics) > 0


def test_rank_mobility_by_hand(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    """2000 -> 2001: ranks A 1 -> 2, B 2 -> 1, C 3 -> 4, D 4 -> 3, E 5 -> 5.

    Of the 10 pairs only A-B and C-D reverse: tau = (8 - 2) / 10 = 0.6, z = 0.6 / sqrt(30/180).
    Contiguous pairs A-B (reversed), B-C (kept), C-D (reversed): tau_spatial = -1/3.
    Rank changes +1, -1, +1, -1, 0 (total 4); macro-region W = {A, C} nets +2, E = {B, D, E} -2:
    theta = 4/4 = 1 (all movement is W overtaking E).
    """
    frame = toy_dynamics["mart_rank_mobility"]
    frame = frame[frame["indicator"] == GRP]
    row = _row(frame, start_year=2000, lag_years=1)
    assert row["end_year"] == 2001
    assert (row["concordant"], row["discordant"], row["n_units"]) == (8, 2, 5)
    assert math.isclose(row["tau"], 0.6, rel_tol=1e-12)
    assert math.isclose(row["tau_z"], 0.6 * math.sqrt(6), rel_tol=1e-12)
    assert math.isclose(row["tau_spatial"], -1 / 3, rel_tol=1e-12)
    assert (row["rank_change_total"], row["theta"]) == (4, 1)


def test_rank_mobility_toy_equals_giddy(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_rank_mobility(toy_dynamics) > 0


def _markov(frame: pd.DataFrame, classification: str) -> pd.DataFrame:
    return frame[
        (frame["indicator"] == INCOME)
        & (frame["classification"] == classification)
        & (frame["period"] == "all")
        & (frame["conditioning"] == "none")
    ]


def test_markov_by_hand(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    """Money income 2010-2012, national value 3 every year (equal populations).

    Quintiles of 5 regions = ranks: 2010 -> 2011 stays (I), 2011 -> 2012 moves 1 -> 2 -> 3 -> 4 ->
    5 -> 1 (C): P = (I + C) / 2, pi = 1/5 each, and passage time from i to j = 2 ((j - i) mod 5)
    (each year a region moves up one class with probability 1/2), recurrence 5.
    Relative classes (<= 0.75, <= 1, <= 1.5, above): 2010 and 2011 ratios 1/3, 2/3, 1, 4/3, 5/3
    -> 1, 1, 2, 3, 4; 2012 ratios 2/3, 1, 4/3, 5/3, 1/3 -> 1, 2, 3, 4, 1. Counts: row 1 (3, 1, 0,
    0), row 2 (0, 1, 1, 0), row 3 (0, 0, 1, 1), row 4 (1, 0, 0, 1). pi_1 = 0.75 pi_1 + 0.5 pi_4 and
    so on give pi = (0.4, 0.2, 0.2, 0.2); passage 1 -> 2 = 1/0.25 = 4, 2 -> 3 = 3 -> 4 = 4 -> 1 = 2,
    and the rest add up along the only path: 1 -> 3 = 6, 1 -> 4 = 8, 2 -> 4 = 4, 2 -> 1 = 6,
    3 -> 1 = 4, 3 -> 2 = 8, 4 -> 2 = 6, 4 -> 3 = 8; recurrence 1/pi = 2.5, 5, 5, 5.
    """
    transitions = _markov(toy_dynamics["mart_markov_transitions"], "relative_national")
    counts = {(r.from_class, r.to_class): r.n_transitions for r in transitions.itertuples()}
    assert counts == {(1, 1): 3, (1, 2): 1, (2, 2): 1, (2, 3): 1, (3, 3): 1, (3, 4): 1, (4, 1): 1, (4, 4): 1}
    steady = _markov(toy_dynamics["mart_markov_steady_state"], "relative_national")
    pi = dict(zip(steady["class"], steady["steady_state"], strict=True))
    for c, expected in {1: 0.4, 2: 0.2, 3: 0.2, 4: 0.2}.items():
        assert math.isclose(pi[c], expected, rel_tol=1e-12), c
    passage = _markov(toy_dynamics["mart_markov_passage_times"], "relative_national")
    m = {(r.from_class, r.to_class): r.mean_first_passage_time for r in passage.itertuples()}
    expected_m = [[2.5, 4, 6, 8], [6, 5, 2, 4], [4, 8, 5, 2], [2, 6, 8, 5]]
    for i in range(4):
        for j in range(4):
            assert math.isclose(m[(i + 1, j + 1)], expected_m[i][j], rel_tol=1e-12), (i + 1, j + 1)

    steady = _markov(toy_dynamics["mart_markov_steady_state"], "quintile")
    assert all(math.isclose(v, 0.2, rel_tol=1e-12) for v in steady["steady_state"])
    passage = _markov(toy_dynamics["mart_markov_passage_times"], "quintile")
    for r in passage.itertuples():
        expected = 5.0 if r.from_class == r.to_class else 2.0 * ((r.to_class - r.from_class) % 5)
        assert math.isclose(r.mean_first_passage_time, expected, rel_tol=1e-12), r


def test_markov_toy_equals_giddy(toy_dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_markov(toy_dynamics) > 0
