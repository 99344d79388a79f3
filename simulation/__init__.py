"""Running the model from plain values, in rooms by concern.

``params`` (the shared vocabulary), ``running`` (one run: runner, metrics, outputs, plots),
``networks`` (graphs), ``analysis`` (sweeps, comparisons, Bass, calibration, sensitivity) and
``classroom`` (the live page and the animation).
"""
