"""Coding: compile a codebook into matchers, run them over answers, hold the result."""
