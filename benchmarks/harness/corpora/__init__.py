"""Every synthetic input the benchmarks generate, deterministic for a seed.

- :mod:`.clauses`: clause text, English and Chinese, Zipf-drawn words (search.py, serve.py,
  collapse.py; whoosh_fork.py's simpler variant);
- :mod:`.catalogue`: catalogues in the project's JSON Lines format (catalogue_load.py's
  1.5 M-edition one, bulletins.py's reference table);
- :mod:`.notices`: bulletin text and long notices with their catalogue (bulletins.py).
"""
