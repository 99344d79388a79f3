"""The lesson on the page: About, Things to notice, Things to try, and scenario buttons.

In the spirit of the Info tab of NetLogo models: what the model is, what to look at and
experiments to run, written for a teacher to read out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ABOUT = """\
Every dot is a consumer; a line means two people are friends and see each other's posts.
A new product launches on day 0. Each day some people **hear of it** (ads, a friend's post,
an influencer), some **research** it (reviews, star rating, friends who bought) and some
**buy**. Happy customers share and write good reviews; unhappy ones warn their friends.

Colours: grey = unaware, blue = aware, orange = researching, **green = has bought**
(bright: today, dark: following up and sharing, pale: gone quiet), red = rejected.
A black ring marks a seeded influencer (given the product on day 0).

With *Compare with baseline* on, a twin of the same people, friendships and luck runs
with no strategy: the gap between the two curves is what the strategy did.
"""

NOTICE = """\
- Buying spreads along friendships: watch green patches grow from the first buyers.
- **Has bought** counts everyone who ever bought except the seeded influencers (they got
  the product free), so on day 0 it is 0 even when influencers show green.
- The S-shaped curve: slow start, fast middle, slow end, as in the Bass model.
- On the ring (small world) word of mouth crawls around the circle; in four communities
  it can stall at the borders between groups.
- Bad products spread red and warnings: reviews drag the star rating down.
"""

TRY = """\
- Seed 10 influencers by *Most friends* then by *Random people*: which curve rises faster?
- Lower product quality to 2 stars. What happens to the rating and to sales?
- Switch the network to the ring and then to four communities. Where does it get stuck?
- Change only the seed: how much of the result is luck?
- Compare *Ads* with *More reviews* over the same 120 days.
"""


@dataclass(frozen=True)
class Scenario:
    """A button that sets up a lesson.

    Attributes:
        title: Button text.
        values: Page values it sets (the others go back to their defaults).
        notice: What to point out, shown under the lesson tabs.
    """

    title: str
    values: dict[str, Any] = field(default_factory=dict)
    notice: str = ""


SCENARIOS = (
    Scenario(
        "Hubs vs random seeding",
        {"strategy": "influencer_seeding", "targeting": "degree", "n_influencers": 10,
         "network": "barabasi_albert", "n": 1000},
        "Ten influencers chosen for having the most friends. Play to day 120, note "
        "'Has bought', then set targeting to 'Random people', Reset and play again."),
    Scenario(
        "A bad product with angry customers",
        {"strategy": "influencer_seeding", "quality": 1.8, "share_prob": 0.3,
         "network": "barabasi_albert", "n": 1000},
        "The product averages 1.8 stars. Watch the rating fall as reviews come in, and "
        "red (rejected) spread: unhappy customers warn their friends."),
    Scenario(
        "Reviews or ads?",
        {"strategy": "more_reviews", "network": "erdos_renyi", "n": 1000},
        "Paid review incentives. Note the gap to the baseline, then switch the strategy "
        "to Ads and Reset: same people, same luck, a different strategy."),
    Scenario(
        "Small world: a ring of friends",
        {"strategy": "influencer_seeding", "targeting": "random", "network": "watts_strogatz",
         "n": 600},
        "Friends are neighbours on a ring with a few shortcuts. Word of mouth crawls "
        "around the circle; shortcuts let it jump."),
    Scenario(
        "Four communities",
        {"strategy": "influencer_seeding", "targeting": "random", "n_influencers": 3,
         "network": "stochastic_block", "n": 800},
        "Three influencers in four tight-knit groups with few ties between them. Does "
        "buying cross from one community to the next?"),
)
