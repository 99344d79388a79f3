"""Colours and words of the journey states, shared by the page, the GIF and the legend.

Okabe-Ito colours (safe under the common colour-vision deficiencies). The three states of
someone who has bought (purchased, follow-up, dormant) are one bluish-green family, so a
finished run reads as "how many bought", apart from the not-yet-bought states.
"""

from __future__ import annotations

from models.journey import STATE_COLUMNS

#: Okabe & Ito (2008), "Color Universal Design": the named colours used here.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

#: Fill colour of each state. "Has bought" is bluish green: full for a fresh purchase,
#: dark while following up (sharing, reviewing), pale once dormant.
STATE_FILL = {
    "unaware": "#D4D4D4",
    "aware": OKABE_ITO["sky_blue"],
    "researching": OKABE_ITO["orange"],
    "purchased": OKABE_ITO["bluish_green"],
    "follow_up": "#00573F",
    "dormant": "#8CD3BD",
    "rejected": OKABE_ITO["vermillion"],
}

#: What each state means, in the page's words.
STATE_LABEL = {
    "unaware": "Unaware",
    "aware": "Aware",
    "researching": "Researching",
    "purchased": "Bought today",
    "follow_up": "Bought: following up",
    "dormant": "Bought: gone quiet",
    "rejected": "Rejected",
}

#: The states of someone who has bought.
BOUGHT = ("purchased", "follow_up", "dormant")
#: Outline of a seeded influencer.
SEED_EDGE = OKABE_ITO["black"]
#: Lines of the strategy run and of its baseline twin in the charts.
STRATEGY_LINE = "#00573F"
BASELINE_LINE = "#595959"

#: Fill colours in state order (index = state value).
STATE_FILL_LIST = tuple(STATE_FILL[c] for c in STATE_COLUMNS)
