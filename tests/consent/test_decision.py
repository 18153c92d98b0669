import pytest

from consent.decision import Choice, ConsentSignals, decide


@pytest.mark.parametrize(
    ("choice", "dnt", "gpc", "mode", "honour", "managed", "collect", "identifiers"),
    [
        (None, False, False, "cookieless", True, False, True, False),
        (None, False, False, "opt_in", True, False, False, False),
        (Choice.GRANTED, False, False, "opt_in", True, False, True, True),
        (Choice.DENIED, False, False, "cookieless", True, True, False, False),
        (None, True, False, "cookieless", True, False, False, False),
        (None, False, True, "cookieless", True, True, False, False),
        (None, True, True, "cookieless", False, False, True, False),
        (Choice.GRANTED, True, True, "cookieless", True, False, True, True),
        (None, False, False, "opt_in", True, True, True, True),
    ],
)
def test_decision_table(choice, dnt, gpc, mode, honour, managed, collect, identifiers):
    decision = decide(ConsentSignals(choice, dnt, gpc, mode, honour, managed))
    assert (decision.collect, decision.store_identifiers) == (collect, identifiers)
    assert decision.reason
