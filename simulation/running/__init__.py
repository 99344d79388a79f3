"""Running one simulation: parameters in, summary, time series and figures out."""
