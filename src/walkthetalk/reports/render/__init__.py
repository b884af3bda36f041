"""The rendering toolkit every layer may use: no Django, no app, no database.

- :mod:`.csv_writer` — the one CSV writer (always guarded against formula injection).
- :mod:`.charts` — the one chart helper (matplotlib ``Figure`` objects, never pyplot).
- :mod:`.opinion_map` — the conversation opinion map, drawn by the worker from plain data.
"""
