"""Parameters of consumers and the product, declared with their schema and checked at construction.

One step is one day: every ``*_prob`` here is a probability per consumer per step
unless its spec says "per contact".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.schema import (
    ParameterError,
    Spec,
    check,
    is_number,
    param,
    prob,
    specs,
    validate,
)

__all__ = [
    "ConsumerParams",
    "ParameterError",
    "ProductParams",
    "Spec",
    "check",
    "check_choice",
    "check_count",
    "check_nonneg",
    "check_number",
    "check_prob",
    "specs",
]


def check_prob(key: str, value: Any) -> None:
    """Check that ``value`` is a probability in [0, 1]."""
    check(key, value, "a probability in [0, 1]", is_number(value) and 0 <= value <= 1)


def check_nonneg(key: str, value: Any) -> None:
    """Check that ``value`` is a finite number >= 0."""
    check(key, value, "a number >= 0", is_number(value) and value >= 0)


def check_count(key: str, value: Any, minimum: int = 0) -> None:
    """Check that ``value`` is an integer >= ``minimum``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    check(key, value, f"an integer >= {minimum}", ok)


def check_number(key: str, value: Any, low: float = -float("inf"),
                 high: float = float("inf")) -> None:
    """Check that ``value`` is a finite number in [low, high]."""
    check(key, value, f"a number in [{low}, {high}]", is_number(value) and low <= value <= high)


def check_choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    """Check that ``value`` is one of ``choices``."""
    check(key, value, "one of " + ", ".join(choices), value in choices)


#: Bounds of the logistic weights: beyond +-50 the purchase probability is 0 or 1 anyway.
LOGIT = 50.0


@dataclass(frozen=True)
class ConsumerParams:
    """How consumers behave. Probabilities are per consumer per step (day).

    Every field's meaning, unit and range is declared in its ``param`` spec
    (``models.schema.specs(ConsumerParams)``).
    """

    discovery_prob: float = prob(
        0.001, "Discovery probability",
        "unaware -> aware on their own (search, press, shelf); the Bass p")
    persuasion: float = prob(
        0.2, "Persuasion per contact",
        "one share persuades a follower over a tie of strength 1 (beta; scaled by tie strength)",
        "per contact")
    share_prob: float = prob(
        0.15, "Share probability", "a satisfied customer posts a positive share to all followers")
    negative_share_prob: float = prob(
        0.12, "Negative share probability", "a dissatisfied customer posts a negative share")
    impulse_prob: float = prob(
        0.04, "Impulse purchase probability", "aware -> purchased without research")
    interest_prob: float = prob(
        0.10, "Interest probability",
        "aware -> researching (raised by shares seen that day, noisy-or with persuasion)")
    forget_prob: float = prob(0.05, "Forget probability", "aware -> unaware")
    buy_intercept: float = param(
        -3.5, "Buy intercept",
        "logit of buying per day while researching, at the prior rating, no reviews, no friends",
        "logit", low=-LOGIT, high=LOGIT)
    rating_weight: float = param(
        1.0, "Rating weight", "logit per star of shown rating above product.prior_rating",
        "logit per star", low=-LOGIT, high=LOGIT)
    review_volume_weight: float = param(
        0.2, "Review volume weight", "logit per unit of log(1 + reviews)", "logit",
        low=-LOGIT, high=LOGIT)
    friend_weight: float = param(
        0.6, "Friend weight",
        "logit per net satisfied friend who bought (tie-strength weighted; a friend posting "
        "today counts double)", "logit per friend", low=-LOGIT, high=LOGIT)
    abandon_prob: float = prob(0.05, "Abandon probability", "researching -> rejected")
    rating_noise: float = param(
        1.0, "Rating noise",
        "standard deviation of a customer's experience around product.quality", "stars",
        low=0.0, high=10.0)
    review_prob: float = prob(0.05, "Review probability", "a customer writes their one review")
    repurchase_prob: float = prob(
        0.01, "Repurchase probability", "a satisfied customer in follow-up buys again")
    dormancy_prob: float = prob(0.03, "Dormancy probability", "follow-up -> dormant")
    negativity_weight: float = param(
        0.0, "Negativity weight",
        "a negative post also puts aware followers off: their impulse and research "
        "probabilities that day fall by the noisy-or of persuasion x tie x this weight "
        "(0: off; >1: bad news weighs more, Baumeister et al. 2001)", "factor",
        low=0.0, high=100.0)

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "consumer")


@dataclass(frozen=True)
class ProductParams:
    """The product and how its rating is shown (shown rating: a Bayesian average).

    The shown rating is ``(prior_rating x prior_weight + sum of stars) / (prior_weight +
    reviews)``, so a product with no reviews shows ``prior_rating``, not five stars.
    """

    price: float = param(50.0, "Price", "price of one purchase", "currency",
                         low=0.0, high=1e12)
    margin: float = param(0.4, "Margin", "share of the price that is gross profit", "share",
                          low=0.0, high=1.0)
    quality: float = param(4.0, "Product quality",
                           "mean star rating a customer's experience centres on", "stars",
                           low=1.0, high=5.0)
    prior_rating: float = param(3.0, "Prior rating",
                                "the shown Bayesian average rating starts here", "stars",
                                low=1.0, high=5.0)
    prior_weight: float = param(5.0, "Prior weight",
                                "how many pseudo-reviews the prior rating counts for", "reviews",
                                low=0.0, high=1e9, low_open=True)
    visibility_rating_weight: float = param(
        0.0, "Visibility rating weight",
        "discovery and impulse purchase scale by 2 sigmoid(this x (shown rating - prior "
        "rating) + volume weight x (log(1 + reviews) - log(1 + reference))); both weights 0: "
        "off", "logit per star", low=0.0, high=LOGIT)
    visibility_volume_weight: float = param(
        0.0, "Visibility volume weight",
        "the visibility score per unit of log(1 + reviews) above the reference", "logit",
        low=0.0, high=LOGIT)
    visibility_reference_reviews: float = param(
        10.0, "Visibility reference reviews",
        "review count at which volume neither helps nor hurts visibility", "reviews",
        low=0.0, high=1e9)

    @property
    def visibility_on(self) -> bool:
        """Whether reviews drive visibility (either weight is non-zero)."""
        return bool(self.visibility_rating_weight or self.visibility_volume_weight)

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "product")
