"""Grounding in data: the Bass fit, model calibration and global sensitivity analysis."""
