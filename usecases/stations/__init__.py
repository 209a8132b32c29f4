"""Charging-station placement on an AGV floor: maximum independent set on unit-disk graphs."""
