"""Parameters of consumers and the product, checked at construction.

One step is one day: every ``*_prob`` here is a probability per consumer per step
unless its docstring says "per contact".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any


class ParameterError(ValueError):
    """A parameter has a value outside what is allowed; the message is one line."""


def check(key: str, value: Any, allowed: str, ok: bool) -> None:
    """Raise ``ParameterError`` naming ``key``, its value and what is allowed unless ``ok``."""
    if not ok:
        raise ParameterError(f"{key} = {value!r}: must be {allowed}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_prob(key: str, value: Any) -> None:
    """Check that ``value`` is a probability in [0, 1]."""
    check(key, value, "a probability in [0, 1]", _is_number(value) and 0 <= value <= 1)


def check_nonneg(key: str, value: Any) -> None:
    """Check that ``value`` is a finite number >= 0."""
    check(key, value, "a number >= 0", _is_number(value) and value >= 0)


def check_count(key: str, value: Any, minimum: int = 0) -> None:
    """Check that ``value`` is an integer >= ``minimum``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    check(key, value, f"an integer >= {minimum}", ok)


def check_number(key: str, value: Any, low: float = -math.inf, high: float = math.inf) -> None:
    """Check that ``value`` is a finite number in [low, high]."""
    check(key, value, f"a number in [{low}, {high}]", _is_number(value) and low <= value <= high)


def check_choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    """Check that ``value`` is one of ``choices``."""
    check(key, value, "one of " + ", ".join(choices), value in choices)


@dataclass(frozen=True)
class ConsumerParams:
    """How consumers behave. Probabilities are per consumer per step (day).

    Attributes:
        discovery_prob: Per step, an unaware consumer discovers the product on their
            own (search, press, a shelf). The Bass innovation coefficient p.
        persuasion: Per contact, the probability that one share reaching a follower
            over a tie of strength 1 makes them aware (beta; scaled by tie strength w).
        share_prob: Per step, a satisfied customer shares a positive post with all
            followers.
        negative_share_prob: Per step, a dissatisfied customer shares a negative post.
        impulse_prob: Per step, an aware consumer buys without researching.
        interest_prob: Per step, an aware consumer starts researching; shares seen
            that step raise it (noisy-or with the same per-contact persuasion).
        forget_prob: Per step, an aware consumer forgets the product.
        buy_intercept: Logit of the per-step purchase probability of a researching
            consumer when the shown rating equals the prior, with no reviews and no
            friends who bought.
        rating_weight: Logit change per star of shown (Bayesian) average rating above
            the prior mean.
        review_volume_weight: Logit change per unit of log(1 + number of reviews).
        friend_weight: Logit change per unit of the friend balance: satisfied minus
            dissatisfied friends who bought (tie-strength weighted), a friend counting
            double in a step they post about it.
        abandon_prob: Per step, a researching consumer gives up (-> REJECTED).
        rating_noise: Standard deviation (stars) of a customer's experience around the
            product quality.
        review_prob: Per step, a customer who has not reviewed yet writes their one review.
        repurchase_prob: Per step, a satisfied customer in follow-up buys again.
        dormancy_prob: Per step, a customer in follow-up stops being active.
    """

    discovery_prob: float = 0.001
    persuasion: float = 0.2
    share_prob: float = 0.15
    negative_share_prob: float = 0.12
    impulse_prob: float = 0.04
    interest_prob: float = 0.10
    forget_prob: float = 0.05
    buy_intercept: float = -3.5
    rating_weight: float = 1.0
    review_volume_weight: float = 0.2
    friend_weight: float = 0.6
    abandon_prob: float = 0.05
    rating_noise: float = 1.0
    review_prob: float = 0.05
    repurchase_prob: float = 0.01
    dormancy_prob: float = 0.03

    def __post_init__(self) -> None:
        """Check every field."""
        for f in fields(self):
            value = getattr(self, f.name)
            key = f"consumer.{f.name}"
            if f.name.endswith("_prob") or f.name == "persuasion":
                check_prob(key, value)
            elif f.name == "rating_noise":
                check_nonneg(key, value)
            else:
                check_number(key, value, -50.0, 50.0)


@dataclass(frozen=True)
class ProductParams:
    """The product and how its rating is shown.

    Attributes:
        price: Price of one purchase (currency units).
        margin: Share of the price that is gross profit, in [0, 1].
        quality: Mean star rating (1-5) a customer's experience centres on.
        prior_rating: Prior mean of the shown Bayesian average rating (stars).
        prior_weight: How many pseudo-reviews the prior counts for, so that a product
            with no reviews shows ``prior_rating``, not five stars.
    """

    price: float = 50.0
    margin: float = 0.4
    quality: float = 4.0
    prior_rating: float = 3.0
    prior_weight: float = 5.0

    def __post_init__(self) -> None:
        """Check every field."""
        check_nonneg("product.price", self.price)
        check_prob("product.margin", self.margin)
        check_number("product.quality", self.quality, 1.0, 5.0)
        check_number("product.prior_rating", self.prior_rating, 1.0, 5.0)
        check("product.prior_weight", self.prior_weight, "a number > 0",
              _is_number(self.prior_weight) and self.prior_weight > 0)
