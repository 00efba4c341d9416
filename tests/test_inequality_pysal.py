"""The inequality marts, built on the real snapshot, against independent references.

Every row of mart_inequality, mart_inequality_decomposition, mart_national_level,
mart_spatial_autocorrelation and mart_convergence is recomputed here in Python from the mart's own
input (int_indicators__long and the region_adjacency seed of the same warehouse) and compared to
1e-9 relative:

- PySAL ``inequality`` 1.1.2 where the definitions coincide (unweighted Gini, Theil T, TheilD
  between/within, Atkinson) and ``esda.Moran`` 2.9.0 for Moran's I and its analytical moments;
- closed forms written independently in numpy for everything PySAL has no population-weighted
  version of (METHODS.md section 4.1: weighted Gini by the pairwise sum, weighted Theil T/L and
  their decompositions by group means, Williamson, weighted Atkinson and sigma) and for the
  unweighted measures PySAL does not have (Theil L, CV, max/min, sigma);
- numpy least squares (weighted through sqrt(w) scaling) and scipy.stats.linregress for beta and
  sigma convergence.

The warehouse comes from the session fixture ``built_warehouse`` (tests/conftest.py): the path of a
DuckDB file in which the whole dbt project was built on the real snapshot. The oracle functions are
also used by tests/test_inequality_toy.py on the METHODS 4.2 toy fixture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

REL_TOL = 1e-9
ABS_TOL = 1e-12
KEY = ["geography", "geo_version", "indicator", "year"]
SERIES = ["geography", "geo_version", "indicator"]
DBT_PROJECT_YML = Path(__file__).resolve().parents[1] / "dbt_project" / "dbt_project.yml"


# ------------------------------------------------------------------------------------------------
# helpers


def close(actual: float | None, expected: float | None) -> bool:
    """Equal to 1e-9 relative (1e-12 absolute near 0); None only equals None."""
    if expected is None or actual is None:
        return expected is None and actual is None
    return math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def as_float(value: object) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def project_var(name: str, default: object) -> object:
    """A dbt var as the marts see it: dbt_project.yml vars, else the macro default."""
    project = yaml.safe_load(DBT_PROJECT_YML.read_text(encoding="utf-8"))
    return (project.get("vars") or {}).get(name, default)


def compare(actual: dict[tuple, float | None], expected: dict[tuple, float | None], what: str) -> int:
    """Assert both mappings have the same keys and close values; return the number compared."""
    missing = sorted(set(expected) - set(actual), key=str)[:5]
    extra = sorted(set(actual) - set(expected), key=str)[:5]
    assert not missing, f"{what}: rows expected but absent from the mart, e.g. {missing}"
    assert not extra, f"{what}: rows in the mart that the reference does not produce, e.g. {extra}"
    bad = [
        (key, actual[key], expected[key])
        for key in expected
        if not close(as_float(actual[key]), expected[key])
    ]
    assert not bad, f"{what}: {len(bad)} value(s) differ, e.g. {bad[:5]}"
    return len(expected)


def find_relation(con: duckdb.DuckDBPyConnection, name: str) -> str:
    rows = con.execute(
        "select table_schema from information_schema.tables where table_name = ?", [name]
    ).fetchall()
    assert len(rows) == 1, f"expected exactly one relation named {name}, found {rows}"
    return f'"{rows[0][0]}"."{name}"'


# ------------------------------------------------------------------------------------------------
# reference computations (independent of the SQL)


def _weighted_gini(y: np.ndarray, w: np.ndarray) -> float:
    mu = float(np.sum(w * y))
    return float(np.sum(np.outer(w, w) * np.abs(y[:, None] - y[None, :])) / (2.0 * mu))


def _atkinson(y: np.ndarray, w: np.ndarray, eps: float) -> float:
    mu = float(np.sum(w * y))
    if eps == 1:
        return 1.0 - math.exp(float(np.sum(w * np.log(y)))) / mu
    return 1.0 - float(np.sum(w * (y / mu) ** (1.0 - eps))) ** (1.0 / (1.0 - eps))


def _weighting_reference(
    weighting: str, y_all: np.ndarray, pop_all: np.ndarray, epsilons: Iterable[float]
) -> dict[tuple[str, str, str], float | None]:
    """(measure, weighting, variant) -> value for one cross-section and one weighting."""
    from inequality.atkinson import atkinson
    from inequality.gini import Gini
    from inequality.theil import Theil

    out: dict[tuple[str, str, str], float | None] = {}
    valid = ~np.isnan(y_all)
    if weighting == "population_weighted":
        valid &= np.nan_to_num(pop_all, nan=0.0) > 0
    y_filled = np.nan_to_num(y_all, nan=-1.0)
    y0, y1 = y_all[valid & (y_filled >= 0)], y_all[valid & (y_filled > 0)]
    if weighting == "unweighted":
        p0, p1 = np.ones(len(y0)), np.ones(len(y1))
    else:
        p0, p1 = pop_all[valid & (y_filled >= 0)], pop_all[valid & (y_filled > 0)]
    w0 = p0 / np.sum(p0) if len(p0) else p0
    w1 = p1 / np.sum(p1) if len(p1) else p1
    ok0 = len(y0) >= 2 and np.sum(w0 * y0) > 0
    ok1 = len(y1) >= 2
    eq0 = ok0 and float(np.max(y0)) == float(np.min(y0))
    eq1 = ok1 and float(np.max(y1)) == float(np.min(y1))

    def put(measure, variant, ok, equal, fn, zero=True):
        if not ok:
            out[(measure, weighting, variant)] = None
        elif equal and zero:
            out[(measure, weighting, variant)] = 0.0
        else:
            out[(measure, weighting, variant)] = float(fn())

    def weighted_mean(y, w):
        return float(np.sum(w * y))

    if weighting == "unweighted":
        n0 = len(y0)
        put("gini", "default", ok0, eq0, lambda: Gini(y0).g)
        put("gini", "small_sample_corrected", ok0, eq0, lambda: Gini(y0).g * n0 / (n0 - 1))
        put("theil_t", "default", ok1, eq1, lambda: Theil(y1).T)
        put("theil_l", "default", ok1, eq1, lambda: np.mean(np.log(np.mean(y1) / y1)))
        put("cv", "default", ok0, eq0, lambda: np.std(y0) / np.mean(y0))
        put("cv", "ddof1", ok0, eq0, lambda: np.std(y0, ddof=1) / np.mean(y0))
        put("max_min_ratio", "default", ok1, eq1, lambda: np.max(y1) / np.min(y1), zero=False)
        put(
            "max_min_ratio",
            "excluding_top_region",
            len(y1) >= 3,
            eq1,
            lambda: np.sort(y1)[-2] / np.min(y1),
            zero=False,
        )
        put("sigma_log", "default", ok1, eq1, lambda: np.std(np.log(y1)))
        put("sigma_log", "ddof1", ok1, eq1, lambda: np.std(np.log(y1), ddof=1))
        for eps in epsilons:
            put("atkinson", f"epsilon_{eps}", ok1, eq1, lambda e=eps: atkinson(y1, e))
            put(
                "atkinson_ede",
                f"epsilon_{eps}",
                ok1,
                eq1,
                lambda e=eps: np.mean(y1) * (1 - atkinson(y1, e)),
                zero=False,
            )
        return out

    mu0 = weighted_mean(y0, w0) if len(y0) else None
    mu1 = weighted_mean(y1, w1) if len(y1) else None
    put("gini", "default", ok0, eq0, lambda: _weighted_gini(y0, w0))
    put("theil_t", "default", ok1, eq1, lambda: np.sum(w1 * (y1 / mu1) * np.log(y1 / mu1)))
    put("theil_l", "default", ok1, eq1, lambda: np.sum(w1 * np.log(mu1 / y1)))
    put("williamson", "default", ok0, eq0, lambda: math.sqrt(np.sum(w0 * (y0 - mu0) ** 2)) / mu0)
    put(
        "sigma_log",
        "default",
        ok1,
        eq1,
        lambda: math.sqrt(np.sum(w1 * (np.log(y1) - np.sum(w1 * np.log(y1))) ** 2)),
    )
    for eps in epsilons:
        put("atkinson", f"epsilon_{eps}", ok1, eq1, lambda e=eps: _atkinson(y1, w1, e))
        put(
            "atkinson_ede",
            f"epsilon_{eps}",
            ok1,
            eq1,
            lambda e=eps: mu1 * (1 - _atkinson(y1, w1, e)),
            zero=False,
        )
    return out


def cross_section_reference(
    y_all: np.ndarray, pop_all: np.ndarray, epsilons: Iterable[float]
) -> dict[tuple[str, str, str], float | None]:
    """(measure, weighting, variant) -> value for one cross-section (NaN = missing)."""
    out: dict[tuple[str, str, str], float | None] = {}
    for weighting in ("unweighted", "population_weighted"):
        out.update(_weighting_reference(weighting, y_all, pop_all, epsilons))
    return out


def expected_inequality(indicators: pd.DataFrame) -> dict[tuple, float | None]:
    epsilons = project_var("kzw_ineq_atkinson_epsilons", [0.5, 1, 2])
    expected: dict[tuple, float | None] = {}
    for key, g in indicators.groupby(KEY, dropna=False):
        ref = cross_section_reference(g["value"].to_numpy(float), g["population"].to_numpy(float), epsilons)
        for (measure, weighting, variant), value in ref.items():
            expected[(*key, measure, weighting, variant)] = value
    return expected


def decomposition_reference(
    y: np.ndarray, pop: np.ndarray, groups: np.ndarray, weighted: bool
) -> dict[tuple[str, str, str], float]:
    """(measure, component, group) -> value. Written with group means, not shares."""
    from inequality.theil import Theil, TheilD

    p = pop if weighted else np.ones(len(y))
    P, mu = np.sum(p), np.sum(p * y) / np.sum(p)
    out: dict[tuple[str, str, str], float] = {}
    t_total = np.sum(p / P * (y / mu) * np.log(y / mu))
    l_total = np.sum(p / P * np.log(mu / y))
    t_between = l_between = t_within = l_within = 0.0
    for g in np.unique(groups):
        m = groups == g
        p_g, mu_g = np.sum(p[m]), np.sum(p[m] * y[m]) / np.sum(p[m])
        pi_g, s_g = p_g / P, p_g * mu_g / (P * mu)
        t_g = np.sum(p[m] / p_g * (y[m] / mu_g) * np.log(y[m] / mu_g))
        l_g = np.sum(p[m] / p_g * np.log(mu_g / y[m]))
        if not weighted:  # the unweighted within-group Theil T is PySAL's Theil on the group
            t_g = Theil(y[m]).T if m.sum() > 1 else 0.0
        t_between += s_g * math.log(mu_g / mu)
        l_between += pi_g * math.log(mu / mu_g)
        t_within += s_g * t_g
        l_within += pi_g * l_g
        out[("theil_t", "within_group", str(g))] = s_g * t_g
        out[("theil_l", "within_group", str(g))] = pi_g * l_g
    if not weighted:
        d = TheilD(y, groups)
        t_total = float(np.ravel(d.T)[0])
        t_between, t_within = float(np.ravel(d.bg)[0]), float(np.ravel(d.wg)[0])
    out.update(
        {
            ("theil_t", "total", "all"): t_total,
            ("theil_t", "between", "all"): t_between,
            ("theil_t", "within", "all"): t_within,
            ("theil_l", "total", "all"): l_total,
            ("theil_l", "between", "all"): l_between,
            ("theil_l", "within", "all"): l_within,
        }
    )
    if float(np.max(y)) == float(np.min(y)):
        out = {k: 0.0 for k in out}
    return out


def expected_decomposition(indicators: pd.DataFrame) -> dict[tuple, float | None]:
    expected: dict[tuple, float | None] = {}
    for key, g in indicators.groupby(KEY, dropna=False):
        for weighting in ("unweighted", "population_weighted"):
            ok = g["value"].notna() & (g["value"] > 0)
            if weighting == "population_weighted":
                ok &= g["population"].notna() & (g["population"] > 0)
            v = g[ok]
            for partition in ("macro_region", "region_type"):
                if len(v) < 2 or v[partition].isna().any():
                    for measure in ("theil_t", "theil_l"):
                        for component in ("total", "between", "within"):
                            expected[(*key, measure, weighting, partition, component, "all")] = None
                    continue
                ref = decomposition_reference(
                    v["value"].to_numpy(float),
                    v["population"].to_numpy(float),
                    v[partition].to_numpy(str),
                    weighting == "population_weighted",
                )
                for (measure, component, group), value in ref.items():
                    expected[(*key, measure, weighting, partition, component, group)] = value
    return expected


def expected_national(indicators: pd.DataFrame) -> dict[tuple, float | None]:
    expected: dict[tuple, float | None] = {}
    for key, g in indicators.groupby(KEY, dropna=False):
        y, p = g["value"].to_numpy(float), g["population"].to_numpy(float)
        complete_y = not np.isnan(y).any()
        complete_p = complete_y and not np.isnan(p).any() and bool((p > 0).all())
        mu_u = float(np.mean(y)) if complete_y else None
        mu_w = float(np.sum(y * p) / np.sum(p)) if complete_p else None
        published = g["published_national_value"].dropna().unique()
        v_pub = float(published[0]) if len(published) == 1 else None
        expected[(*key, "arithmetic_mean")] = mu_u
        expected[(*key, "pop_weighted_mean")] = mu_w
        expected[(*key, "published_national_value")] = v_pub
        expected[(*key, "masking_gap")] = mu_u / mu_w - 1 if mu_u and mu_w else None
        expected[(*key, "published_vs_pop_weighted_rel")] = (
            v_pub / mu_w - 1 if v_pub is not None and mu_w else None
        )
        expected[(*key, "published_vs_arithmetic_rel")] = (
            v_pub / mu_u - 1 if v_pub is not None and mu_u else None
        )
    return expected


def moran_reference(
    x: np.ndarray, codes: list[str], pairs: set[tuple[str, str]], style: str
) -> dict[str, float | None] | None:
    """esda.Moran on the units with a neighbour; None when esda's I is undefined."""
    from esda.moran import Moran
    from libpysal.weights import W

    neighbours = {c: sorted(b for a, b in pairs if a == c and b in codes) for c in codes}
    keep = [i for i, c in enumerate(codes) if neighbours[c]]
    if len(keep) < 2:
        return None
    kept_codes = [codes[i] for i in keep]
    xs = x[keep]
    if float(np.max(xs)) == float(np.min(xs)):
        return None
    w = W({c: neighbours[c] for c in kept_codes}, id_order=kept_codes, silence_warnings=True)
    w.transform = "r" if style == "row_standardised" else "b"
    with np.errstate(divide="ignore", invalid="ignore"):
        m = Moran(xs, w, transformation=w.transform, permutations=0, two_tailed=True)

    def finite(value: float) -> float | None:  # esda returns nan where the mart returns NULL
        return float(value) if np.isfinite(value) else None

    out: dict[str, float | None] = {
        "moran_i": m.I,
        "expected_i": m.EI,
        "variance_normality": m.VI_norm,
        "z_normality": finite(m.z_norm) if m.VI_norm > 0 else None,
        "p_normality": finite(m.p_norm) if m.VI_norm > 0 else None,
        "n_units": float(len(keep)),
    }
    if len(keep) >= 4 and m.VI_rand > 0:
        out.update(
            {"variance_randomisation": m.VI_rand, "z_randomisation": m.z_rand, "p_randomisation": m.p_rand}
        )
    else:
        out.update({"variance_randomisation": None, "z_randomisation": None, "p_randomisation": None})
    return out


MORAN_STATS = [
    "moran_i",
    "expected_i",
    "variance_normality",
    "z_normality",
    "p_normality",
    "variance_randomisation",
    "z_randomisation",
    "p_randomisation",
    "n_units",
]


def expected_moran(indicators: pd.DataFrame, adjacency: pd.DataFrame) -> dict[tuple, float | None]:
    pairs_by_version = {
        version: {(a, b) for a, b in zip(g["region_a"], g["region_b"], strict=True) if a != b}
        for version, g in adjacency.groupby("geo_version")
    }
    enclave = project_var("kzw_ineq_enclave_region_type", "city")
    expected: dict[tuple, float | None] = {}
    for key, g in indicators.groupby(KEY, dropna=False):
        pairs = pairs_by_version.get(key[1], set())
        for transform in ("level", "log"):
            for scope in ("all_regions", "excluding_enclave_cities"):
                v = g[g["value"].notna()]
                if transform == "log":
                    v = v[v["value"] > 0]
                if scope == "excluding_enclave_cities":
                    v = v[v["region_type"] != enclave]
                x = v["value"].to_numpy(float)
                x = np.log(x) if transform == "log" else x
                for style in ("row_standardised", "binary"):
                    ref = moran_reference(x, list(v["region_code"]), pairs, style)
                    for stat in MORAN_STATS:
                        if stat == "n_units":
                            continue
                        expected[(*key, transform, style, scope, stat)] = None if ref is None else ref[stat]
    return expected


def _wls(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> dict[str, float | None]:
    """Weighted least squares through sqrt(v) scaling and the textbook covariance matrix."""
    sw = np.sqrt(v)
    design = np.column_stack([np.ones(len(x)), x])
    coef, *_ = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)
    resid = y - design @ coef
    n = len(x)
    s2 = float(np.sum(v * resid**2)) / (n - 2)
    cov = s2 * np.linalg.inv(design.T @ (design * v[:, None]))
    se = math.sqrt(cov[1, 1])
    y_bar = np.sum(v * y) / np.sum(v)
    r2 = 1.0 - float(np.sum(v * resid**2)) / float(np.sum(v * (y - y_bar) ** 2))
    return {
        "slope": float(coef[1]),
        "intercept": float(coef[0]),
        "se_slope": se,
        "t_stat": float(coef[1]) / se,
        "r_squared": r2,
    }


def expected_convergence(
    indicators: pd.DataFrame, sigma: dict[tuple, float | None]
) -> dict[tuple, float | None]:
    """Beta (OLS/WLS) and sigma-trend regressions; sigma = expected_inequality() output."""
    from scipy import stats

    lengths = [int(length) for length in project_var("kzw_convergence_windows", [5, 10])]
    whole = project_var("kzw_convergence_whole_period", True)
    min_regions = int(project_var("kzw_convergence_min_regions", 3))
    min_years = int(project_var("kzw_sigma_trend_min_years", 3))
    expected: dict[tuple, float | None] = {}

    def windows(years: list[int]) -> list[tuple[str, int, int]]:
        out = [("fixed_length", t0, t0 + n) for n in lengths for t0 in years if t0 + n in years]
        if whole and len(years) > 1 and max(years) > min(years):
            out.append(("whole_period", min(years), max(years)))
        return out

    for series, g in indicators.groupby(SERIES, dropna=False):
        years = sorted(set(g.loc[g["value"].notna(), "year"].astype(int)))
        for window_type, t0, t1 in windows(years):
            start = g[g["year"] == t0].set_index("region_code")
            end = g[g["year"] == t1].set_index("region_code")
            both = start.index.intersection(end.index)
            ys, ye = start.loc[both, "value"].to_numpy(float), end.loc[both, "value"].to_numpy(float)
            p0 = start.loc[both, "population"].to_numpy(float)
            for weighting in ("unweighted", "population_weighted"):
                ok = ~np.isnan(ys) & ~np.isnan(ye)
                ok &= np.nan_to_num(ys, nan=-1) > 0
                ok &= np.nan_to_num(ye, nan=-1) > 0
                if weighting == "population_weighted":
                    ok &= np.nan_to_num(p0, nan=-1) > 0
                key = (*series, "beta", weighting, window_type, t0, t1)
                x = np.log(ys[ok])
                growth = (np.log(ye[ok]) - np.log(ys[ok])) / (t1 - t0)
                if ok.sum() < min_regions or np.ptp(x) == 0:
                    fit = dict.fromkeys(["slope", "intercept", "se_slope", "t_stat", "r_squared"])
                elif weighting == "unweighted":
                    lr = stats.linregress(x, growth)
                    fit = {
                        "slope": lr.slope,
                        "intercept": lr.intercept,
                        "se_slope": lr.stderr,
                        "t_stat": lr.slope / lr.stderr,
                        "r_squared": lr.rvalue**2,
                    }
                else:
                    fit = _wls(x, growth, p0[ok])
                beta, span = fit["slope"], t1 - t0
                lam = (
                    -math.log(1 + beta * span) / span
                    if beta is not None and beta < 0 and 1 + beta * span > 0
                    else None
                )
                fit["convergence_speed_lambda"] = lam
                fit["half_life_years"] = math.log(2) / lam if lam else None
                fit["half_life_approx_years"] = math.log(2) / -beta if beta is not None and beta < 0 else None
                for stat, value in fit.items():
                    expected[(*key, stat)] = value
        for weighting in ("unweighted", "population_weighted"):
            points = {
                int(k[3]): v
                for k, v in sigma.items()
                if tuple(k[:3]) == tuple(series)
                and k[4:] == ("sigma_log", weighting, "default")
                and v is not None
            }
            for window_type, t0, t1 in windows(sorted(points)):
                key = (*series, "sigma_trend", weighting, window_type, t0, t1)
                ts = [t for t in sorted(points) if t0 <= t <= t1]
                if len(ts) < min_years:
                    fit = dict.fromkeys(["slope", "intercept", "se_slope", "t_stat", "r_squared"])
                else:
                    lr = stats.linregress(np.array(ts, float) - t0, [points[t] for t in ts])
                    fit = {
                        "slope": lr.slope,
                        "intercept": lr.intercept,
                        "se_slope": lr.stderr,
                        "t_stat": lr.slope / lr.stderr if lr.stderr else None,
                        "r_squared": lr.rvalue**2,
                    }
                fit["sigma_start"], fit["sigma_end"] = points[t0], points[t1]
                for stat, value in fit.items():
                    expected[(*key, stat)] = value
    return expected


# ------------------------------------------------------------------------------------------------
# loading a built warehouse


INEQUALITY_MARTS = (
    "mart_inequality",
    "mart_inequality_decomposition",
    "mart_national_level",
    "mart_spatial_autocorrelation",
    "mart_convergence",
)


def load_marts(
    db_path: Path,
    input_relation: str | None = None,
    adjacency_relation: str | None = None,
    marts: tuple[str, ...] = INEQUALITY_MARTS,
) -> dict[str, pd.DataFrame]:
    """The marts' input, the adjacency seed and each mart of `marts`, as data frames."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        input_relation = input_relation or find_relation(con, "int_indicators__long")
        adjacency_relation = adjacency_relation or find_relation(con, "region_adjacency")
        frames = {
            "input": con.execute(f"select * from {input_relation}").df(),
            "adjacency": con.execute(f"select * from {adjacency_relation}").df(),
        }
        for mart in marts:
            frames[mart] = con.execute(f"select * from {find_relation(con, mart)}").df()
    frames["input"]["year"] = frames["input"]["year"].astype(int)
    return frames


def mart_values(frame: pd.DataFrame, key: list[str], value: str = "value") -> dict[tuple, object]:
    return {tuple(row[:-1]): row[-1] for row in frame[[*key, value]].itertuples(index=False)}


def mart_stats(frame: pd.DataFrame, key: list[str], stats_: list[str]) -> dict[tuple, object]:
    long = frame.melt(id_vars=key, value_vars=stats_, var_name="stat")
    return {tuple(row[:-1]): row[-1] for row in long[[*key, "stat", "value"]].itertuples(index=False)}


def check_all(frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Compare every mart with its reference; returns the number of values compared per mart."""
    data = frames["input"]
    counts: dict[str, int] = {}

    ineq_expected = expected_inequality(data)
    counts["mart_inequality"] = compare(
        mart_values(frames["mart_inequality"], [*KEY, "measure", "weighting", "variant"]),
        ineq_expected,
        "mart_inequality",
    )

    decomposition = frames["mart_inequality_decomposition"]
    dec_key = [*KEY, "measure", "weighting", "partition_name", "component", "group_value"]
    counts["mart_inequality_decomposition"] = compare(
        mart_values(decomposition, dec_key),
        expected_decomposition(data),
        "mart_inequality_decomposition",
    )

    national_stats = [
        "arithmetic_mean",
        "pop_weighted_mean",
        "published_national_value",
        "masking_gap",
        "published_vs_pop_weighted_rel",
        "published_vs_arithmetic_rel",
    ]
    counts["mart_national_level"] = compare(
        mart_stats(frames["mart_national_level"], KEY, national_stats),
        expected_national(data),
        "mart_national_level",
    )

    moran_key = [*KEY, "transform", "weights_style", "city_scope"]
    moran_stats = [s for s in MORAN_STATS if s != "n_units"]
    counts["mart_spatial_autocorrelation"] = compare(
        mart_stats(frames["mart_spatial_autocorrelation"], moran_key, moran_stats),
        expected_moran(data, frames["adjacency"]),
        "mart_spatial_autocorrelation",
    )

    conv = frames["mart_convergence"]
    conv_key = [*SERIES, "analysis", "weighting", "window_type", "start_year", "end_year"]
    conv_stats = [
        "slope",
        "intercept",
        "se_slope",
        "t_stat",
        "r_squared",
        "convergence_speed_lambda",
        "half_life_years",
        "half_life_approx_years",
        "sigma_start",
        "sigma_end",
    ]
    actual = mart_stats(conv, conv_key, conv_stats)
    expected = expected_convergence(data, ineq_expected)
    # sigma_start/end only exist on sigma_trend rows and lambda/half-lives only on beta rows
    actual = {k: v for k, v in actual.items() if k in expected or as_float(v) is not None}
    counts["mart_convergence"] = compare(actual, expected, "mart_convergence")
    return counts


# ------------------------------------------------------------------------------------------------
# tests on the real data


@pytest.fixture(scope="session")
def real_marts(built_warehouse: Path) -> dict[str, pd.DataFrame]:
    return load_marts(built_warehouse)


def test_real_marts_match_pysal_and_closed_forms(real_marts: dict[str, pd.DataFrame]) -> None:
    counts = check_all(real_marts)
    assert all(counts.values()), counts


def test_real_marts_cover_every_cross_section(real_marts: dict[str, pd.DataFrame]) -> None:
    cross_sections = real_marts["input"][KEY].drop_duplicates()
    for mart in (
        "mart_inequality",
        "mart_inequality_decomposition",
        "mart_national_level",
        "mart_spatial_autocorrelation",
    ):
        got = real_marts[mart][KEY].drop_duplicates()
        assert len(got) == len(cross_sections), mart


def test_real_headline_gini_is_defined_every_year(real_marts: dict[str, pd.DataFrame]) -> None:
    ineq = real_marts["mart_inequality"]
    headline = ineq[
        (ineq["indicator"] == "grp_per_capita_kzt")
        & (ineq["measure"] == "gini")
        & (ineq["variant"] == "default")
    ]
    assert len(headline) > 0
    assert headline["value"].notna().all(), headline[headline["value"].isna()]


def test_real_beta_windows_stay_inside_one_geo_version(
    real_marts: dict[str, pd.DataFrame],
) -> None:
    versions = real_marts["input"].groupby(SERIES)["year"].agg(["min", "max"])
    conv = real_marts["mart_convergence"]
    for row in conv.itertuples(index=False):
        first, last = versions.loc[(row.geography, row.geo_version, row.indicator)]
        assert first <= row.start_year < row.end_year <= last
