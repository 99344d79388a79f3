"""The rulebook: transition probabilities as pure functions of local observations.

Works on a float (one consumer) and on a numpy array (many) alike; both engines call it
through ``models.journey``. No Mesa, no I/O. One step is one day. Sources are cited per rule.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

# A per-contact persuasion probability of exactly 1 would make log(1 - p) infinite; cap
# it so that "certain" contacts are certain up to about 1e-15 per decision.
MAX_CONTACT_PROB = 1.0 - 1e-15


def contact_log_weight(persuasion, tie_strength, trust=1.0):
    """Log of the chance that one share over a tie does *not* persuade (per contact).

    A share persuades a follower with probability ``persuasion * tie_strength * trust``
    (``trust`` < 1 discounts sponsored posts). Storing the log lets one sparse product
    sum the logs over every share a consumer saw this step.

    Source: the independent-cascade contact model, each contact an independent chance
    to activate (Goldenberg, Libai & Muller 2001, "Talk of the network", Marketing
    Letters 12(3); Kempe, Kleinberg & Tardos 2003, KDD).
    """
    p = persuasion * tie_strength * trust
    if not isinstance(p, np.ndarray):
        return np.log1p(-np.minimum(p, MAX_CONTACT_PROB))
    # In place on the one temporary: a graph's ties are many (about 10x faster at 10^7).
    np.minimum(p, MAX_CONTACT_PROB, out=p)
    np.negative(p, out=p)
    return np.log1p(p, out=p)


def exposure_prob(log_not_persuaded):
    """Probability that at least one share seen this step persuades.

    The noisy-or of independent contacts, ``1 - prod(1 - p_k)`` (Pearl 1988,
    "Probabilistic Reasoning in Intelligent Systems", section 4.3.2), computed from the
    summed logs so that many weak contacts lose no precision.

    Args:
        log_not_persuaded: Sum over this step's shares seen of ``contact_log_weight``.
    """
    return -np.expm1(log_not_persuaded)


def competing(u, *probs):
    """Pick one of several competing events with one uniform draw.

    Event k happens with probability ``probs[k] * prod(1 - probs[l] for l < k)``, i.e.
    events are tried in order and the first success wins. For an unaware consumer the
    events are discovery (Bass's innovation coefficient p) then the contacts (imitation:
    on a complete graph of n with persuasion beta, q = beta (n - 1)): the discrete Bass
    model (Bass 1969, "A new product growth for model consumer durables", Management
    Science 15(5), 215-227), docked in ``simulation.analysis.bass`` and ``tests/test_bass.py``.

    Args:
        u: Uniform(s) in (0, 1).
        *probs: Per-step probabilities of the events, in priority order.

    Returns:
        The index of the event that happened, or ``len(probs)`` for none (int or int array).
    """
    outcome = 0
    threshold = 0.0
    remaining = 1.0
    for p in probs:
        threshold = threshold + remaining * p
        remaining = remaining * (1.0 - p)
        outcome = outcome + (u >= threshold)
    return outcome


def aware_probs(impulse_prob, interest_prob, forget_prob, share_exposure):
    """Per-step (impulse purchase, start research, forget) for an aware consumer.

    Research is reinforced by shares seen this step: ``1 - (1 - interest)(1 - exposure)``.
    """
    research = 1.0 - (1.0 - interest_prob) * (1.0 - share_exposure)
    return impulse_prob, research, forget_prob


def shown_rating(review_count, rating_sum, prior_rating, prior_weight):
    """Bayesian average rating shown to shoppers (stars).

    ``(prior_rating * prior_weight + sum of ratings) / (prior_weight + count)``, so a
    product with no reviews shows the prior, not five stars.

    Source: the Bayesian average, the posterior mean of the rating under a conjugate
    prior worth ``prior_weight`` pseudo-reviews (the "weighted rating" ``(vR + mC) /
    (v + m)`` of IMDb's top lists is the same formula).
    """
    return (prior_rating * prior_weight + rating_sum) / (prior_weight + review_count)


def purchase_prob(
    shown,
    review_count,
    friend_balance,
    *,
    intercept,
    rating_weight,
    review_volume_weight,
    friend_weight,
    prior_rating,
):
    """Per-step probability that a researching consumer buys (logistic social proof).

    Source: the binary logit choice rule (McFadden 1974, "Conditional logit analysis of
    qualitative choice behavior", in Zarembka (ed.), Frontiers in Econometrics), with
    utility linear in the shown rating, log review volume and the friend balance.

    Args:
        shown: Shown (Bayesian average) rating, stars.
        review_count: Number of visible reviews.
        friend_balance: Satisfied minus dissatisfied friends who bought (tie weighted).
        intercept: Logit at the prior rating with no reviews and no friends who bought.
        rating_weight: Logit per star above ``prior_rating``.
        review_volume_weight: Logit per unit of ``log(1 + review_count)``.
        friend_weight: Logit per unit of friend balance.
        prior_rating: The prior mean rating.
    """
    logit = (
        intercept
        + rating_weight * (shown - prior_rating)
        + review_volume_weight * np.log1p(review_count)
        + friend_weight * friend_balance
    )
    return 1.0 / (1.0 + np.exp(-logit))


def experience_stars(u, quality, rating_noise):
    """Star rating (1-5) a customer gives, from their satisfaction uniform.

    The latent experience is ``quality + rating_noise * z`` with ``z`` the standard
    normal deviate of ``u``; stars are the latent rounded and clipped to 1..5 (an
    ordered-probit threshold model with thresholds at the half stars).
    """
    latent = quality + rating_noise * ndtri(u)
    return np.clip(np.floor(latent + 0.5), 1.0, 5.0)


def is_satisfied(stars):
    """A customer is satisfied when their experience is worth 4 stars or more."""
    return stars >= 4.0


def post_prob(satisfied, share_prob, negative_share_prob, share_multiplier=1.0,
              positive_multiplier=1.0):
    """Per-step probability that a customer posts about the product.

    Satisfied customers post positively with ``share_prob`` (times both multipliers:
    share buttons raise every share, a referral reward only positive ones);
    dissatisfied ones post negatively with ``negative_share_prob`` (times share buttons).
    """
    positive = np.minimum(share_prob * share_multiplier * positive_multiplier, 1.0)
    negative = np.minimum(negative_share_prob * share_multiplier, 1.0)
    if isinstance(satisfied, np.ndarray):
        return np.where(satisfied, positive, negative)
    return positive if satisfied else negative


def review_prob(base_prob, incentive_boost=0.0):
    """Per-step probability that a customer writes their one review (incentive adds)."""
    return np.minimum(base_prob + incentive_boost, 1.0)


def follow_up_probs(satisfied, repurchase_prob, dormancy_prob):
    """Per-step (repurchase, go dormant) in follow-up; only the satisfied buy again."""
    return repurchase_prob * satisfied, dormancy_prob


def friend_opinion(satisfied, shared):
    """A buyer's weight in friends' balance: +1 satisfied / -1 not, doubled while posting.

    Unaware, aware and researching friends weigh 0 (the engines only count buyers).
    Dissatisfied buyers pull the other way: negative word of mouth (Goldenberg, Libai,
    Moldovan & Muller 2007, "The NPV of bad news", IJRM 24(3)).
    """
    sign = 2.0 * satisfied - 1.0
    return sign * (1.0 + shared)


def scaled_prob(prob, multiplier):
    """A per-step probability scaled by a strategy's multiplier, capped at 1."""
    return np.minimum(prob * multiplier, 1.0)


#: Relative margin of ``no_event_bound``.
BOUND_MARGIN = 1e-9


def no_event_bound(*probs: float) -> float:
    """A safe upper bound on the last threshold of ``competing`` for these scalar probs.

    A uniform at or above it cannot trigger any of the events, whatever the rounding, so
    an engine may skip evaluating the rule for such a consumer (with ``probs`` the
    probabilities that consumer would face when it saw no post).
    """
    threshold, remaining = 0.0, 1.0
    for p in probs:
        threshold += remaining * p
        remaining *= 1.0 - p
    return threshold * (1.0 + BOUND_MARGIN) + BOUND_MARGIN


def visibility(shown, review_count, *, rating_weight, volume_weight, pivot_rating,
               reference_reviews):
    """How visible the marketplace makes the product: a factor in (0, 2) on being found.

    ``2 * sigmoid(rating_weight * (shown - pivot_rating) + volume_weight * (log(1 +
    reviews) - log(1 + reference_reviews)))``: 1 at the pivot rating with the reference
    number of reviews, towards 0 for a poorly rated or unreviewed product and at most 2
    for a well-reviewed one. Both weights 0 give exactly 1 (off). Discovery and impulse
    purchase are multiplied by it (capped at 1), as a search rank scales how many
    shoppers come across a product.

    Source: ratings and review volume drive sales rank and sales (Chevalier & Mayzlin
    2006, "The effect of word of mouth on sales: online book reviews", JMR 43(3);
    review volume raises awareness: Liu 2006, "Word of mouth for movies", J. Marketing
    70(3)); the logistic score mirrors the purchase logit (``purchase_prob``).
    """
    score = (rating_weight * (shown - pivot_rating)
             + volume_weight * (np.log1p(review_count) - np.log1p(reference_reviews)))
    return 2.0 / (1.0 + np.exp(-score))


def deterred(prob, negative_exposure):
    """A per-step probability lowered by negative posts seen today: ``prob x (1 - e)``.

    ``negative_exposure`` is the noisy-or of the day's negative posts, each putting a
    follower off with ``persuasion x tie strength x negativity_weight`` (a weight above 1:
    bad news weighs more than good; Baumeister, Bratslavsky, Finkenauer & Vohs 2001, "Bad
    is stronger than good", Rev. Gen. Psychology 5(4)).
    """
    return prob * (1.0 - negative_exposure)
