"""Running the model from plain values: networks, the runner, metrics and plots."""
