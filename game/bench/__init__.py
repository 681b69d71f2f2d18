"""Benchmarks: ``python -m game.bench`` measures the game's own code against its targets.

One benchmark per module; each drives the real code (render loop, worker thread, the
``openai`` client against the loopback test server) and returns :class:`Figure` rows.
"""
