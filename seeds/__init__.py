"""Demo data for Marché Solidaire, loaded by ``flask seed-demo``.

``seeds.demo`` runs an ordered list of steps (``STEPS``); each step lives in the
module of its domain and adds rows keyed by a natural key, so the command can
run any number of times.
"""
