"""peerbuy's Hydra sweeper: validates every job first, isolates failures, resumes.

Hydra only instantiates plugins defined under the ``hydra_plugins`` namespace package.
"""
