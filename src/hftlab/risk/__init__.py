"""Risk controls on the only road to the venue."""
