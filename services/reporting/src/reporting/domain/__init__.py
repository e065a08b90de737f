"""Reporting's pure domain: periods, cells and how tallies roll up into them, the indicator
registry, cell-key perturbation, stock computations, and findings with their rules."""
