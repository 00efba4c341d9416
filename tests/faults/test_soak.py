"""The short seeded chaos soak (``make soak`` runs the long one): three iterations, three faults.

A SIGKILLed refresh, a SIGKILLed publish and a corrupted payload against a copy of the session
warehouse, with three readers throughout; every invariant of ``tests.soak`` must hold.
"""

from __future__ import annotations

from tests import soak


def test_short_seeded_soak(warehouse):
    outcomes = soak.run(
        warehouse.home, iterations=3, seed=7, faults=["kill_publish", "kill_refresh", "corrupt_payload"]
    )
    assert [o.fault for o in outcomes] == ["kill_publish", "kill_refresh", "corrupt_payload"]
    assert all(o.reads > 0 for o in outcomes), [o.reads for o in outcomes]
    violations = [(o.fault, o.notes) for o in outcomes if not o.clean]
    assert not violations, violations
    print(soak.table(outcomes, seed=7))
