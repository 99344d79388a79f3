"""The Hydra layer: turns composed configs into plain parameters and runs simulations."""
