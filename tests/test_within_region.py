"""Inside the regions (issue 16, item 4): mart_within_region_concentration recomputed independently
from the parsed bulletin (not from the warehouse) with PySAL ``inequality`` and numpy, to 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd
from inequality.gini import Gini
from inequality.theil import Theil

from tests.ingestion.test_parsers import parsed
from tests.test_investment import close, con, frame  # noqa: F401  (con is a fixture)


def _units() -> pd.DataFrame:
    obs = parsed("population_by_district")
    parts = obs.series.str.split("|", expand=True)
    obs = obs.assign(measure=parts[0], kind=parts[1], centre=parts[2] == "centre", label=parts[3])
    return obs[obs.kind.notna() & (obs.measure == "total")]


def test_within_region_mart_equals_pysal_on_the_parsed_bulletin(con):  # noqa: F811
    mart = frame(con, "select * from marts.mart_within_region_concentration").set_index("region_code")
    units = _units()
    regions = parsed("population_by_district")
    regions = regions[~regions.series.str.contains("|", regex=False) & (regions.region_code != "KZ")]
    total = regions[regions.series == "total"].set_index("region_code").value
    urban = regions[regions.series == "urban"].set_index("region_code").value
    assert set(mart.index) == set(total.index) and len(mart) == 20
    for code, g in units.groupby("region_code"):
        row = mart.loc[code]
        x = g.value.dropna().to_numpy(float)
        x = x[x > 0]
        assert row.n_units == len(x)
        assert close(row.gini_unit_population, Gini(x).g), code
        assert close(row.theil_t_unit_population, Theil(x).T), code
        assert close(row.largest_unit_share, x.max() / total[code]), code
        assert row.largest_unit_label == g.loc[g.value.idxmax(), "label"]
        centre = g[g.centre]
        if len(centre):
            assert row.admin_centre_label == centre.label.iloc[0]
            assert close(row.admin_centre_share, centre.value.iloc[0] / total[code]), code
        else:
            assert pd.isna(row.admin_centre_label) and row.region_type == "city"
        assert close(row.urban_share_pct, 100 * urban[code] / total[code]), code
    assert (mart.measure_kind == "population concentration (not income inequality)").all()
    assert np.isclose(mart.units_minus_region_population, 0).all()
