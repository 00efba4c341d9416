"""The regional dynamics marts (models/marts/dynamics), built on the real snapshot, against PySAL.

Every row of each dynamics mart is recomputed here in Python from the mart's own input
(int_indicators__long and the region_adjacency seed of the same warehouse) with the PySAL
implementation of the statistic and compared to 1e-9 relative (1e-12 absolute near 0):

- mart_local_moran: ``esda.Moran_Local`` 2.9.0 (row-standardised W, its analytical EI and VI; the
  two-tailed normal p-value of z against scipy, since esda gives only permutation p-values).
- mart_polarisation: ``inequality.wolfson`` 1.1.2 (unweighted); the population-weighted index
  against ``weighted_wolfson`` below (numpy.interp on the population Lorenz knots, the pairwise
  weighted Gini, a weighted median); tests/test_dynamics_toy.py also checks that it equals
  ``inequality.wolfson`` on the data with each region repeated population times.
- mart_spatial_gini: ``inequality.gini.Gini_Spatial`` 1.1.2 (binary contiguity, permutations=0).
- mart_rank_mobility: ``giddy.rank.Tau``, ``SpatialTau`` and ``Theta`` (giddy 2.3.6); tau_p against
  scipy's normal tail, since giddy divides by 1.4142136 instead of sqrt(2) (a 1e-8 relative shift).
- mart_markov_transitions / _steady_state / _passage_times: ``giddy.markov.Spatial_Markov`` (its
  own classification: ``cutoffs`` for the classes relative to the national value, per-year
  ``mapclassify.Quantiles`` with ``fixed=False`` for quintiles; row-standardised W for the lag)
  and ``giddy.markov.Markov`` on each geo_version's balanced block of consecutive years, summed over
  the geo_versions of a geography; ``giddy.ergodic.steady_state`` and ``mfpt`` of each matrix
  that quantecon finds irreducible and aperiodic (the mart gives the others a null_reason).

The warehouse comes from the session fixture ``built_warehouse`` (tests/conftest.py). The same
check functions run on the hand-checked toy panel in tests/test_dynamics_toy.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.test_inequality_pysal import compare, load_marts, project_var

PANEL = ["geography", "geo_version", "indicator", "year"]
DYNAMICS_MARTS = (
    "mart_local_moran",
    "mart_polarisation",
    "mart_spatial_gini",
    "mart_rank_mobility",
    "mart_markov_transitions",
    "mart_markov_steady_state",
    "mart_markov_passage_times",
)


# ------------------------------------------------------------------------------------------------
# inputs


def dynamics_panel(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows the dynamics marts read: the analysed indicators with a value."""
    indicators = project_var("kzw_dynamics_indicators", ["grp_per_capita_kzt", "money_income_per_capita_kzt"])
    data = frames["input"]
    return data[data["indicator"].isin(indicators) & data["value"].notna()]


def neighbour_sets(adjacency: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
    """geo_version -> region -> set of contiguous regions (both directions, no self-pairs)."""
    out: dict[str, dict[str, set[str]]] = {}
    for a, b, version in adjacency[["region_a", "region_b", "geo_version"]].itertuples(index=False):
        if a != b:
            out.setdefault(version, {}).setdefault(a, set()).add(b)
    return out


def city_scopes(g: pd.DataFrame):
    """(city_scope, rows) as the spatial marts define them."""
    enclave = project_var("kzw_ineq_enclave_region_type", "city")
    yield "all_regions", g
    yield "excluding_enclave_cities", g[g["region_type"] != enclave]


def contiguity(codes: list[str], neighbours: dict[str, set[str]]) -> dict[str, list[str]]:
    """Neighbours of each code among `codes`, units without one dropped (as the SQL does)."""
    present = set(codes)
    linked = {c: sorted(neighbours.get(c, set()) & present) for c in codes}
    return {c: js for c, js in linked.items() if js}


# ------------------------------------------------------------------------------------------------
# references


def expected_local_moran(frames: dict[str, pd.DataFrame]) -> dict[tuple, object]:
    from esda.moran import Moran_Local
    from libpysal.weights import W
    from scipy import stats

    quadrant = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    by_version = neighbour_sets(frames["adjacency"])
    expected: dict[tuple, object] = {}
    for key, g in dynamics_panel(frames).groupby(PANEL):
        for scope, rows in city_scopes(g):
            links = contiguity(list(rows["region_code"]), by_version.get(key[1], {}))
            units = rows[rows["region_code"].isin(links)]
            codes = list(units["region_code"])
            y = units["value"].to_numpy(float)
            if not codes:
                continue
            defined = len(codes) >= 3 and float(np.max(y)) != float(np.min(y))
            if defined:
                w = W({c: links[c] for c in codes}, id_order=codes, silence_warnings=True)
                lm = Moran_Local(y, w, transformation="r", permutations=0)
            for i, code in enumerate(codes):
                k = (*key, scope, code)
                expected[(*k, "n_neighbours")] = float(len(links[code]))
                expected[(*k, "n_units")] = float(len(codes))
                for stat in (
                    "z",
                    "local_moran_i",
                    "expected_i",
                    "variance_i",
                    "z_score",
                    "p_value",
                    "quadrant",
                ):
                    expected[(*k, stat)] = None
                if defined:
                    expected[(*k, "z")] = float(lm.z[i])
                    expected[(*k, "local_moran_i")] = float(lm.Is[i])
                    expected[(*k, "expected_i")] = float(lm.EI[i])
                    expected[(*k, "variance_i")] = float(lm.VI[i])
                    z_score = float((lm.Is[i] - lm.EI[i]) / np.sqrt(lm.VI[i]))
                    expected[(*k, "z_score")] = z_score
                    expected[(*k, "p_value")] = float(2.0 * stats.norm.sf(abs(z_score)))
                    expected[(*k, "quadrant")] = quadrant[int(lm.q[i])]
    return expected


def weighted_wolfson(y: np.ndarray, p: np.ndarray) -> float:
    """(2 (1/2 - L(1/2)) - G) mu / m on the population Lorenz curve (independent of the SQL form)."""
    order = np.lexsort((np.arange(len(y)), y))
    y, p = y[order], p[order]
    share_p = np.concatenate([[0.0], np.cumsum(p) / p.sum()])
    share_y = np.concatenate([[0.0], np.cumsum(p * y) / np.sum(p * y)])
    lorenz_half = float(np.interp(0.5, share_p, share_y))
    mu = float(np.sum(p * y) / p.sum())
    gini = float(np.sum(np.outer(p, p) * np.abs(y[:, None] - y[None, :])) / (2.0 * p.sum() ** 2 * mu))
    cum = np.cumsum(p)
    k = int(np.argmax(2.0 * cum >= p.sum()))
    median = (y[k] + y[k + 1]) / 2.0 if 2.0 * cum[k] == p.sum() else y[k]
    return (2.0 * (0.5 - lorenz_half) - gini) * mu / float(median)


def expected_polarisation(frames: dict[str, pd.DataFrame]) -> dict[tuple, object]:
    from inequality.wolfson import wolfson

    expected: dict[tuple, object] = {}
    for key, g in dynamics_panel(frames).groupby(PANEL):
        y = g["value"].to_numpy(float)
        pop = g["population"].to_numpy(float)
        weighted = np.nan_to_num(pop, nan=0.0) > 0
        for weighting, ys, ps in (
            ("unweighted", y, np.ones(len(y))),
            ("population_weighted", y[weighted], pop[weighted]),
        ):
            if not len(ys):
                continue  # no population in the year: no weighted row
            k = (*key, weighting)
            expected[(*k, "n_units")] = float(len(ys))
            defined = len(ys) >= 2 and float(np.min(ys)) >= 0 and float(np.median(ys)) > 0
            if weighting == "unweighted":
                expected[(*k, "wolfson")] = float(wolfson(ys)) if defined else None
            else:
                expected[(*k, "wolfson")] = weighted_wolfson(ys, ps) if defined else None
    return expected


def expected_spatial_gini(frames: dict[str, pd.DataFrame]) -> dict[tuple, object]:
    from inequality.gini import Gini_Spatial
    from libpysal.weights import W

    by_version = neighbour_sets(frames["adjacency"])
    expected: dict[tuple, object] = {}
    for key, g in dynamics_panel(frames).groupby(PANEL):
        for scope, rows in city_scopes(g):
            codes = list(rows["region_code"])
            y = rows["value"].to_numpy(float)
            links = by_version.get(key[1], {})
            index = {c: i for i, c in enumerate(codes)}
            k = (*key, scope)
            expected[(*k, "n_units")] = float(len(codes))
            stats = ("gini", "gini_neighbours", "gini_non_neighbours", "non_neighbour_share", "polarisation")
            for stat in stats:
                expected[(*k, stat)] = None
            w = W(
                {index[c]: sorted(index[j] for j in links.get(c, set()) if j in index) for c in codes},
                silence_warnings=True,
            )
            expected[(*k, "n_neighbour_pairs")] = float(w.s0 / 2)
            if len(codes) < 2 or float(np.min(y)) < 0 or float(np.sum(y)) <= 0:
                continue
            gs = Gini_Spatial(y, w, permutations=0)
            expected[(*k, "gini")] = float(gs.g)
            expected[(*k, "gini_neighbours")] = float(gs.wg / gs.den)
            expected[(*k, "gini_non_neighbours")] = float(gs.wcg_share)
            expected[(*k, "non_neighbour_share")] = float(gs.wcg / gs.dtotal) if gs.dtotal else None
            has_both = 0 < w.s0 / 2 < len(codes) * (len(codes) - 1) / 2
            expected[(*k, "polarisation")] = float(gs.polarization) if has_both and gs.wg else None
    return expected


def spans(frames: dict[str, pd.DataFrame], lags: list[int]):
    """((geography, geo_version, indicator, lag, start, end), frame of region, macro_region, x, y)."""
    panel = dynamics_panel(frames)
    for (geography, version, indicator), g in panel.groupby(["geography", "geo_version", "indicator"]):
        by_year = {year: rows.set_index("region_code") for year, rows in g.groupby("year")}
        for lag in lags:
            for start in sorted(by_year):
                if start + lag not in by_year:
                    continue
                a, b = by_year[start], by_year[start + lag]
                codes = sorted(set(a.index) & set(b.index))
                pair = pd.DataFrame(
                    {
                        "region_code": codes,
                        "macro_region": a.loc[codes, "macro_region"].to_numpy(),
                        "x": a.loc[codes, "value"].to_numpy(float),
                        "y": b.loc[codes, "value"].to_numpy(float),
                    }
                )
                yield (geography, version, indicator, lag, start, start + lag), pair


def expected_rank_mobility(frames: dict[str, pd.DataFrame]) -> dict[tuple, object]:
    from giddy.rank import SpatialTau, Tau, Theta
    from libpysal.weights import W
    from scipy import stats

    lags = [int(lag) for lag in project_var("kzw_rank_mobility_lags", [1, 5, 10])]
    by_version = neighbour_sets(frames["adjacency"])
    expected: dict[tuple, object] = {}
    for key, pair in spans(frames, lags):
        n = len(pair)
        expected[(*key, "n_units")] = float(n)
        if n < 2:
            continue
        x, y = pair["x"].to_numpy(), pair["y"].to_numpy()
        tau = Tau(x, y)
        z = tau.tau / np.sqrt((4.0 * n + 10) / (9.0 * n * (n - 1)))
        expected[(*key, "tau")] = float(tau.tau)
        expected[(*key, "tau_z")] = float(z)
        expected[(*key, "tau_p")] = float(2.0 * stats.norm.sf(abs(z)))
        expected[(*key, "concordant")] = float(tau.concordant)
        expected[(*key, "discordant")] = float(tau.discordant)
        links = by_version.get(key[1], {})
        index = {c: i for i, c in enumerate(pair["region_code"])}
        w = W(
            {i: sorted(index[j] for j in links.get(c, set()) if j in index) for c, i in index.items()},
            silence_warnings=True,
        )
        expected[(*key, "n_neighbour_pairs")] = float(w.s0 / 2)
        if w.s0 > 0:
            st = SpatialTau(x, y, w, permutations=0)
            expected[(*key, "tau_spatial")] = float(st.tau_spatial)
            expected[(*key, "concordant_spatial")] = float(st.concordant_spatial)
            expected[(*key, "discordant_spatial")] = float(st.discordant_spatial)
        with np.errstate(invalid="ignore", divide="ignore"):  # Theta divides by 0 when no rank moved
            theta = Theta(np.column_stack([x, y]), pair["macro_region"].to_numpy(), permutations=0)
        total = float(np.sum(theta.total))
        expected[(*key, "rank_change_total")] = total
        expected[(*key, "theta")] = float(np.ravel(theta.theta)[0]) if total > 0 else None
    return expected


def _consecutive_runs(years: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return runs


def markov_blocks(frames: dict[str, pd.DataFrame]):
    """(geography, indicator, classification, geo_version, years, regions, values matrix n x t).

    'relative_national': y / (sum pop y / sum pop) in the years where every region has a population;
    'quintile': y. Blocks are runs of consecutive years with the same regions.
    """
    panel = dynamics_panel(frames)
    for (geography, indicator, version), g in panel.groupby(["geography", "indicator", "geo_version"]):
        wide_y = g.pivot(index="region_code", columns="year", values="value")
        wide_pop = g.pivot(index="region_code", columns="year", values="population")
        ratio = wide_y / ((wide_y * wide_pop).sum() / wide_pop.sum())
        ratio = ratio.loc[:, wide_pop.notna().all() & wide_y.notna().all()]
        for classification, wide in (("relative_national", ratio), ("quintile", wide_y)):
            wide = wide.dropna(axis=1)
            for run in _consecutive_runs(list(wide.columns)):
                if len(run) >= 2:
                    yield geography, indicator, classification, version, run, list(wide.index), wide[run]


def expected_markov(frames: dict[str, pd.DataFrame]) -> tuple[dict, dict, dict, set]:
    """Reference transitions (counts, probabilities), steady states and passage times."""
    import quantecon as qe
    from giddy.ergodic import mfpt, steady_state
    from giddy.markov import Markov, Spatial_Markov
    from libpysal.weights import W

    bounds = [float(b) for b in project_var("kzw_markov_relative_bounds", [0.75, 1.0, 1.5])]
    q = int(project_var("kzw_markov_quantile_classes", 5))
    by_version = neighbour_sets(frames["adjacency"])
    counts: dict[tuple, np.ndarray] = {}
    isolated: set[tuple] = set()
    for geography, indicator, classification, version, run, regions, block in markov_blocks(frames):
        links = by_version.get(version, {})
        if any(not (links.get(c, set()) & set(regions)) for c in regions):
            # giddy gives a region without neighbours the lag 0 (lowest class); the mart leaves it
            # out of the spatial Markov: such blocks are compared without conditioning only
            isolated.add((geography, indicator, classification))
        w = W(
            {c: sorted(links.get(c, set()) & set(regions)) for c in regions},
            id_order=regions,
            silence_warnings=True,
        )
        w.transform = "r"
        decades = sorted({10 * (year // 10) for year in run[:-1]})
        periods = [("all", run)] + [
            (f"{d}-{d + 9}", [y for y in run if d <= y <= d + 10 and (y < d + 10 or y - 1 in run)])
            for d in decades
        ]
        for period, years in periods:
            years = [y for y in years if y in run]
            if len(years) < 2:
                continue
            values = block[years].to_numpy(float)
            if classification == "relative_national":
                sm = Spatial_Markov(values, w, cutoffs=bounds, lag_cutoffs=bounds, fixed=True)
            else:
                sm = Spatial_Markov(values, w, k=q, m=q, fixed=False)
            k = len(bounds) + 1 if classification == "relative_national" else q
            plain = Markov(sm.class_ids, classes=np.arange(k), summary=False).transitions
            key = (geography, indicator, classification, period)
            counts[(*key, "none", None)] = counts.get((*key, "none", None), 0) + plain
            for lag_class in range(sm.T.shape[0]):
                if sm.T[lag_class].sum() > 0 and (geography, indicator, classification) not in isolated:
                    ck = (*key, "neighbour_class", lag_class + 1)
                    counts[ck] = counts.get(ck, 0) + sm.T[lag_class]
    transitions: dict[tuple, object] = {}
    steady: dict[tuple, object] = {}
    passage: dict[tuple, object] = {}
    for key, t in counts.items():
        rows = t.sum(axis=1)
        k = t.shape[0]
        for i in range(k):
            for j in range(k):
                if not t[i, j]:
                    continue  # the mart lists observed moves only
                cell = (*key, i + 1, j + 1)
                transitions[(*cell, "n_transitions")] = float(t[i, j])
                transitions[(*cell, "probability")] = float(t[i, j] / rows[i])
        p = t / np.where(rows > 0, rows, 1)[:, None]
        chain = qe.MarkovChain(p) if (rows > 0).all() else None
        ergodic = chain is not None and chain.is_irreducible and chain.is_aperiodic
        pi = steady_state(p) if ergodic else None
        m = mfpt(p) if ergodic else None
        for j in range(k):
            steady[(*key, j + 1, "steady_state")] = float(pi[j]) if ergodic else None
            for i in range(k):
                passage[(*key, i + 1, j + 1, "mean_first_passage_time")] = float(m[i, j]) if ergodic else None
    return transitions, steady, passage, isolated


# ------------------------------------------------------------------------------------------------
# loading and comparing


def load_dynamics(
    db_path: Path, input_relation: str | None = None, adjacency_relation: str | None = None
) -> dict[str, pd.DataFrame]:
    return load_marts(db_path, input_relation, adjacency_relation, marts=DYNAMICS_MARTS)


def melt(frame: pd.DataFrame, key: list[str], stats: list[str]) -> dict[tuple, object]:
    """(key..., stat) -> value, with NaN as None."""
    out: dict[tuple, object] = {}
    for row in frame[[*key, *stats]].itertuples(index=False):
        for stat, value in zip(stats, row[len(key) :], strict=True):
            out[(*row[: len(key)], stat)] = None if pd.isna(value) else value
    return out


def compare_mixed(actual: dict[tuple, object], expected: dict[tuple, object], what: str) -> int:
    """Numbers to 1e-9 (tests.test_inequality_pysal.compare), labels exactly."""
    labels = {k for k, v in expected.items() if isinstance(v, str)}
    bad = [(k, actual.get(k), expected[k]) for k in labels if actual.get(k) != expected[k]]
    assert not bad, f"{what}: {len(bad)} label(s) differ, e.g. {bad[:5]}"
    numbers = {k: v for k, v in expected.items() if k not in labels}
    return len(labels) + compare({k: v for k, v in actual.items() if k not in labels}, numbers, what)


def check_local_moran(frames: dict[str, pd.DataFrame]) -> int:
    columns = ["z", "local_moran_i", "expected_i", "variance_i", "z_score", "p_value", "quadrant"]
    return compare_mixed(
        melt(
            frames["mart_local_moran"],
            [*PANEL, "city_scope", "region_code"],
            [*columns, "n_neighbours", "n_units"],
        ),
        expected_local_moran(frames),
        "mart_local_moran",
    )


def check_polarisation(frames: dict[str, pd.DataFrame]) -> int:
    return compare_mixed(
        melt(frames["mart_polarisation"], [*PANEL, "weighting"], ["wolfson", "n_units"]),
        expected_polarisation(frames),
        "mart_polarisation",
    )


def check_spatial_gini(frames: dict[str, pd.DataFrame]) -> int:
    stats = ["gini", "gini_neighbours", "gini_non_neighbours", "non_neighbour_share", "polarisation"]
    return compare_mixed(
        melt(frames["mart_spatial_gini"], [*PANEL, "city_scope"], [*stats, "n_units", "n_neighbour_pairs"]),
        expected_spatial_gini(frames),
        "mart_spatial_gini",
    )


RANK_KEY = ["geography", "geo_version", "indicator", "lag_years", "start_year", "end_year"]
RANK_STATS = [
    "tau",
    "tau_z",
    "tau_p",
    "concordant",
    "discordant",
    "n_neighbour_pairs",
    "tau_spatial",
    "concordant_spatial",
    "discordant_spatial",
    "rank_change_total",
    "theta",
    "n_units",
]


def check_rank_mobility(frames: dict[str, pd.DataFrame]) -> int:
    expected = expected_rank_mobility(frames)
    actual = melt(frames["mart_rank_mobility"], RANK_KEY, RANK_STATS)
    # a statistic the reference leaves undefined must be NULL in the mart
    for k, v in actual.items():
        if k not in expected:
            assert v is None, f"mart_rank_mobility: {k} = {v}, the reference has no value"
    return compare_mixed({k: v for k, v in actual.items() if k in expected}, expected, "mart_rank_mobility")


MARKOV_KEY = ["geography", "indicator", "classification", "period", "conditioning", "neighbour_class"]


def _markov_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["neighbour_class"] = (
        frame["neighbour_class"].astype(object).where(frame["neighbour_class"].notna(), None)
    )
    return frame


def check_markov(frames: dict[str, pd.DataFrame]) -> int:
    transitions, steady, passage, isolated = expected_markov(frames)

    def comparable(actual: dict[tuple, object]) -> dict[tuple, object]:
        return {
            k: v
            for k, v in actual.items()
            if not (k[4] == "neighbour_class" and (k[0], k[1], k[2]) in isolated)
        }

    n = compare_mixed(
        comparable(
            melt(
                _markov_frame(frames["mart_markov_transitions"]),
                [*MARKOV_KEY, "from_class", "to_class"],
                ["n_transitions", "probability"],
            )
        ),
        transitions,
        "mart_markov_transitions",
    )
    n += compare_mixed(
        comparable(
            melt(_markov_frame(frames["mart_markov_steady_state"]), [*MARKOV_KEY, "class"], ["steady_state"])
        ),
        steady,
        "mart_markov_steady_state",
    )
    n += compare_mixed(
        comparable(
            melt(
                _markov_frame(frames["mart_markov_passage_times"]),
                [*MARKOV_KEY, "from_class", "to_class"],
                ["mean_first_passage_time"],
            )
        ),
        passage,
        "mart_markov_passage_times",
    )
    return n


# ------------------------------------------------------------------------------------------------
# tests on the real data


@pytest.fixture(scope="session")
def dynamics(built_warehouse: Path) -> dict[str, pd.DataFrame]:
    return load_dynamics(built_warehouse)


def test_local_moran_equals_esda(dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_local_moran(dynamics) > 0


def test_polarisation_equals_inequality_wolfson(dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_polarisation(dynamics) > 0


def test_spatial_gini_equals_gini_spatial(dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_spatial_gini(dynamics) > 0


def test_rank_mobility_equals_giddy(dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_rank_mobility(dynamics) > 0


def test_markov_equals_giddy(dynamics: dict[str, pd.DataFrame]) -> None:
    assert check_markov(dynamics) > 0


def test_local_moran_sums_to_the_global_moran(built_warehouse: Path) -> None:
    """sum_i I_i = (n - 1) I_global (row-standardised, level) of mart_spatial_autocorrelation."""
    frames = load_marts(built_warehouse, marts=("mart_local_moran", "mart_spatial_autocorrelation"))
    local = frames["mart_local_moran"].groupby([*PANEL, "city_scope"])
    sums = local["local_moran_i"].sum(min_count=1).to_dict()
    sizes = local["n_units"].max().to_dict()
    glob = frames["mart_spatial_autocorrelation"]
    glob = glob[(glob["transform"] == "level") & (glob["weights_style"] == "row_standardised")]
    glob = glob.set_index([*PANEL, "city_scope"])["moran_i"].to_dict()
    expected = {k: None if pd.isna(glob[k]) else (sizes[k] - 1) * glob[k] for k in sums}
    actual = {k: None if pd.isna(v) else v for k, v in sums.items()}
    assert compare(actual, expected, "sum of local Moran's I") > 0
