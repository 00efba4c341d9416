"""The benchmark's synthetic panels (bench/synthetic.py): deterministic, the documented shape and traps.

BENCHMARKS.md compares engines on these panels, so a generator that drifted (another seed, other
shares of NULLs) would silently change what the published ratios mean.
"""

from __future__ import annotations

import pandas as pd
import pytest

from bench import synthetic

# The columns kzw_ineq_observations() reads from kzw_ineq_input_relation (dbt_project/macros/inequality).
INEQUALITY_INPUT_COLUMNS = {
    "geography",
    "geo_version",
    "indicator",
    "unit",
    "year",
    "region_code",
    "region_type",
    "macro_region",
    "value",
    "population",
    "published_national_value",
}


def test_same_seed_same_panel_other_seed_other_panel() -> None:
    shape = synthetic.shape_for(10_000)
    first, again = synthetic.panel(shape), synthetic.panel(shape)
    pd.testing.assert_frame_equal(first, again)
    other = synthetic.panel(shape, seed=synthetic.SEED + 1)
    assert not first["value"].equals(other["value"])


@pytest.mark.parametrize(
    ("n", "kind", "dims"),
    [(1_000, "kz", (1, 50, 20)), (1_000_000, "kz", (1000, 50, 20)), (10_000, "wide", (1, 100, 100))],
)
def test_shapes_are_full_cubes_of_n_region_years(n: int, kind: str, dims: tuple[int, int, int]) -> None:
    shape = synthetic.shape_for(n, kind)
    assert (shape.indicators, shape.years, shape.regions) == dims
    assert shape.rows == n


@pytest.mark.parametrize(("n", "kind"), [(1_500, "kz"), (10_001, "wide"), (1_000, "districts")])
def test_sizes_that_do_not_fit_a_shape_are_refused(n: int, kind: str) -> None:
    with pytest.raises(ValueError):
        synthetic.shape_for(n, kind)


def test_panel_has_the_inequality_input_columns_one_row_per_key_and_the_exclusion_traps() -> None:
    frame = synthetic.panel(synthetic.shape_for(100_000))
    assert set(frame.columns) == INEQUALITY_INPUT_COLUMNS
    assert len(frame) == 100_000
    assert not frame.duplicated(["indicator", "year", "region_code"]).any()
    # The documented shares (0.1 % NULL values, 0.05 % zeros, 0.1 % NULL populations), within sampling noise.
    assert 50 <= frame["value"].isna().sum() <= 150
    assert 20 <= (frame["value"] == 0).sum() <= 80
    assert 50 <= frame["population"].isna().sum() <= 150
    assert (frame["value"].dropna() >= 0).all()
    assert frame.groupby(["indicator", "year"], observed=True).size().eq(20).all()
