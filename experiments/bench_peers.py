"""What the benchmark times besides the array engine: the agent engine and peer libraries.

Each runner takes a ``SocialGraph`` with a networkx graph and returns a JSON-ready dict;
step times are CPU seconds (``time.process_time``), with wall seconds beside them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

#: Steps timed before deciding whether a slow engine can finish within the budget.
PROBE_STEPS = 2


@dataclass(frozen=True)
class Peer:
    """A model timed on the benchmark's graph.

    Attributes:
        label: What it runs, as the table names it.
        module: The import that must be installed for it to run.
        run: ``run(graph, steps, seed, budget)`` -> result dict.
    """

    label: str
    module: str
    run: Callable[..., dict]


def stepped(step: Callable[[], object], steps: int, budget: float,
            setup_seconds: float = 0.0) -> dict:
    """Time ``step()`` ``steps`` times, stopping early if the wall budget cannot be met."""
    cpu: list[float] = []
    wall: list[float] = []
    for k in range(steps):
        c0, w0 = time.process_time(), time.perf_counter()
        step()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        if k + 1 == PROBE_STEPS and k + 1 < steps:
            projected = setup_seconds + sum(wall) / len(wall) * steps
            if projected > budget:
                return {"status": "stopped", "steps_run": k + 1,
                        "step_seconds": sum(cpu) / len(cpu),
                        "step_wall_seconds": sum(wall) / len(wall),
                        "note": f"projected {projected:.0f} s > budget {budget:.0f} s"}
    return {"status": "ok", "steps_run": steps, "step_seconds": sum(cpu) / len(cpu),
            "step_wall_seconds": sum(wall) / len(wall)}


def _timed_setup(make: Callable[[], object]) -> tuple[object, float]:
    w0 = time.perf_counter()
    return make(), time.perf_counter() - w0


def agent_engine(graph, steps: int, seed: int, budget: float) -> dict:
    """The agent engine of peerbuy (Mesa), the default model."""
    from models.model import MarketModel

    model, setup = _timed_setup(lambda: MarketModel(graph, rng=seed))
    return {**stepped(model.step, steps, budget, setup), "setup_seconds": setup}


def mesa_si(graph, steps: int, seed: int, budget: float) -> dict:
    """A virus_on_network-style Mesa model: one agent per node, SI spread to neighbours."""
    import mesa
    from mesa.discrete_space import FixedAgent

    from models.mesa_compat import topological_network

    class Node(FixedAgent):
        def __init__(self, model, cell, infected):
            super().__init__(model)
            self.cell = cell
            self.infected = infected

        def step(self):
            if self.infected:
                for nb in self.cell.neighborhood.agents:
                    if not nb.infected and self.random.random() < 0.05:
                        nb.infected = True

    class Virus(mesa.Model):
        def __init__(self, g, rng):
            super().__init__(rng=rng)
            self.grid = topological_network(g, self.random)
            cells = [self.grid[i] for i in range(g.number_of_nodes())]
            Node.create_agents(self, len(cells), cell=cells,
                               infected=[i < 10 for i in range(len(cells))])

        def step(self):
            self.agents.shuffle_do("step")

    model, setup = _timed_setup(lambda: Virus(graph.nx_graph, seed))
    return {**stepped(model.step, steps, budget, setup), "setup_seconds": setup}


def ndlib_si(graph, steps: int, seed: int, budget: float) -> dict:
    """NDlib's ``SIModel`` (beta 0.05, 0.1 % infected at start), one ``iteration`` a step."""
    import ndlib.models.epidemics as ep
    import numpy as np
    from ndlib.models.ModelConfig import Configuration

    np.random.seed(seed)  # NDlib draws from numpy's global state; no other way to seed it

    def make():
        model = ep.SIModel(graph.nx_graph, seed=seed)
        cfg = Configuration()
        cfg.add_model_parameter("beta", 0.05)
        cfg.add_model_parameter("fraction_infected", 0.001)
        model.set_initial_status(cfg)
        return model

    model, setup = _timed_setup(make)
    out = stepped(lambda: model.iteration(node_status=False), steps, budget, setup)
    return {**out, "setup_seconds": setup}


def eon_sir(graph, steps: int, seed: int, budget: float) -> dict:
    """EoN's event-driven ``fast_SIR`` (tau 0.05, gamma 0.03) in continuous time to t = steps.

    EoN has no step, so a probe to t = 2 decides whether the whole run fits the budget;
    the per-step figure is the whole run's CPU time over ``steps``.
    """
    import EoN
    import numpy as np

    def sir(tmax: int) -> tuple[float, float]:
        c0, w0 = time.process_time(), time.perf_counter()
        EoN.fast_SIR(graph.nx_graph, tau=0.05, gamma=0.03, rho=0.001, tmax=tmax,
                     rng=np.random.default_rng(seed))
        return time.process_time() - c0, time.perf_counter() - w0

    cpu, wall = sir(PROBE_STEPS)
    if wall * steps / PROBE_STEPS > budget:
        return {"status": "stopped", "steps_run": PROBE_STEPS,
                "step_seconds": cpu / PROBE_STEPS, "step_wall_seconds": wall / PROBE_STEPS,
                "note": f"projected {wall * steps / PROBE_STEPS:.0f} s > budget {budget:.0f} s"}
    cpu, wall = sir(steps)
    return {"status": "ok", "steps_run": steps, "step_seconds": cpu / steps,
            "step_wall_seconds": wall / steps}


#: The agent engine and the peers, in table order; all need ``graph.nx_graph``.
PEERS: dict[str, Peer] = {
    "agent": Peer("peerbuy agent engine (Mesa), the full model", "mesa", agent_engine),
    "mesa_si": Peer("Mesa virus_on_network-style SI, one agent per node", "mesa", mesa_si),
    "ndlib_si": Peer("NDlib SIModel (SI)", "ndlib", ndlib_si),
    "eon_sir": Peer("EoN fast_SIR (event-driven SIR)", "EoN", eon_sir),
}
