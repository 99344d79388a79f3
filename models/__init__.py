"""The peerbuy model: journey, rulebook, agent engine, vectorized engine, strategies."""
