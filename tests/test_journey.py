"""The journey table (models.journey) is what both engines execute, and it is consistent."""

from __future__ import annotations

from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest

from models import journey
from models.campaign import Levers
from models.journey import CHOICES, TRANSITIONS, Channel, Choice, JourneyState, Move
from models.market import ReviewBoard, StepTally, open_day
from models.params import ConsumerParams, ProductParams
from tests.conftest import Market, quiet

S = JourneyState
GOOD = ProductParams(quality=5.0)
BAD = ProductParams(quality=1.0)


def a_day(consumer=None, product=None, levers=None, step=1):
    consumer, product = consumer or ConsumerParams(), product or ProductParams()
    return open_day(step, consumer, product, levers or Levers(), None, ReviewBoard(product))


def one_consumer(**attrs):
    """A stand-in for one consumer: the attributes the journey reads and writes."""
    base = dict(state=S.UNAWARE, channel=Channel.NONE, stars=0.0, satisfied=False,
                reviewed=False, adopted=False, is_seed=False, has_product=False,
                ever_aware=False, ever_researched=False, posted=False, heard_organic=0.0,
                heard_sponsored=0.0, heard_negative=0.0, heard_content=0.0,
                friend_balance=0.0, count=1)
    who = SimpleNamespace(**{**base, **attrs})
    who.draw = lambda decision: attrs.get("u", 0.5)
    return who


def test_transitions_are_read_off_the_choices():
    for state, choice in CHOICES.items():
        assert choice.state == state
        assert TRANSITIONS[state] == {m.to for m in choice.moves} - {state}
    assert TRANSITIONS[S.DORMANT] == TRANSITIONS[S.REJECTED] == frozenset()
    assert TRANSITIONS[S.AWARE] == {S.PURCHASED, S.RESEARCHING, S.UNAWARE}


@pytest.mark.parametrize("state", list(CHOICES))
def test_every_choice_gives_one_probability_per_move(state):
    choice = CHOICES[state]
    probs = choice.probs(a_day(), one_consumer(state=state))
    assert len(probs) == len(choice.moves)
    assert all(0.0 <= float(p) <= 1.0 for p in probs)


@pytest.mark.parametrize("state", [s for s, c in CHOICES.items() if c.quiet is not None])
def test_quiet_bounds_cover_a_consumer_who_saw_no_post(state):
    # Hand check: with probabilities at their quiet maxima, any uniform at or above the
    # bound leaves the consumer where they are.
    choice = CHOICES[state]
    day = a_day(ConsumerParams(discovery_prob=0.3, repurchase_prob=0.2, dormancy_prob=0.4))
    who = one_consumer(state=state, satisfied=True)
    bound = choice.bound(day)
    assert bound > 1 - np.prod([1 - p for p in choice.quiet(day)])
    assert choice.outcome(day, who, bound) == len(choice.moves)
    assert choice.outcome(day, who, bound * 0.999) < len(choice.moves)


def test_purchase_books_experience_adopter_and_referral():
    # rating_noise 0 and quality 5: the experience is 5 stars whatever the draw.
    day = a_day(ConsumerParams(rating_noise=0.0), GOOD, Levers(referral_active=True))
    who, tally = one_consumer(state=S.AWARE, channel=Channel.SHARE), StepTally()
    journey.book(journey.BUYS_ON_IMPULSE, who, day, tally)
    assert (who.state, who.stars, bool(who.satisfied)) == (S.PURCHASED, 5.0, True)
    assert who.adopted and who.has_product
    assert (tally.new_adopters, tally.referred_purchases, tally.repurchases) == (1, 1, 0)


def test_awareness_books_channel_and_milestone():
    who, tally = one_consumer(), StepTally()
    journey.book(journey.HEARS_INFLUENCER, who, a_day(), tally)
    assert (who.state, who.channel, who.ever_aware) == (S.AWARE, Channel.INFLUENCER, True)
    assert tally == StepTally()


def test_influencer_under_contract_posts_sponsored_and_does_not_review():
    contract = SimpleNamespace(contract=True, contract_post_prob=1.0, post_satisfied=0.0,
                               post_dissatisfied=0.0)
    seed = one_consumer(is_seed=True, satisfied=False)
    assert journey.posts(contract, seed, 0.5) == (True, True, True)
    assert not journey.may_review(contract, seed)
    after = SimpleNamespace(contract=False, contract_post_prob=0.0, post_satisfied=0.0,
                            post_dissatisfied=1.0)
    assert journey.posts(after, seed, 0.5) == (True, False, False)  # negative, organic
    assert journey.may_review(after, seed)


# A new transition is one edit of the journey table: both engines execute it unchanged.
RETURNS = Move("returns the product", S.REJECTED)


@pytest.fixture
def journey_with_returns(monkeypatch):
    old = CHOICES[S.FOLLOW_UP]

    def probs(day, who):
        rebuy, dormant = old.probs(day, who)
        return rebuy, dormant, 1.0 - who.satisfied  # every dissatisfied customer returns it

    monkeypatch.setitem(CHOICES, S.FOLLOW_UP,
                        Choice(S.FOLLOW_UP, old.draw, (*old.moves, RETURNS), probs))


@pytest.mark.usefixtures("journey_with_returns")
@pytest.mark.parametrize("product, after", [(BAD, S.REJECTED), (GOOD, S.FOLLOW_UP)])
def test_a_new_transition_runs_in_both_engines(engine, product, after):
    c = quiet(discovery_prob=1.0, impulse_prob=1.0)
    m = Market(engine, nx.path_graph(3), c, product)
    m.step(3)  # aware, purchased, follow-up
    assert (m.state == S.FOLLOW_UP).all()
    m.step()
    assert (m.state == after).all()


@pytest.mark.parametrize("values", [(0.1, 0.2), (1, 0), (True, False),
                                    (np.float32(0.5), np.float32(0.25)), (0.3, np.float64(0.7))])
def test_pick_from_a_table_is_np_where(values):
    """A group's pick (``journey._pick``) is ``np.where``'s, values and dtype; one
    consumer's is the value itself."""
    flags = np.random.default_rng(0).random(500) < 0.4
    got, expected = journey._pick(flags, *values), np.where(flags, *values)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    per_consumer = np.arange(500.0)  # (not two values: np.where itself)
    np.testing.assert_array_equal(journey._pick(flags, per_consumer, values[1]),
                                  np.where(flags, per_consumer, values[1]))
    assert journey._pick(True, *values) is values[0]
