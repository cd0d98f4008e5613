"""Predictive process monitoring: next activity, remaining time and outcome of running cases."""
