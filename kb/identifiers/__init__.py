"""How standards are named: :mod:`~kb.identifiers.designation` (the grammar of designations
and citations as people write them: parse, normalize, render, look-alike characters),
:mod:`~kb.identifiers.stages` (ISO/IEC harmonized stage codes and the Chinese lifecycle, with
their names) and :mod:`~kb.identifiers.issuers` (who publishes under which prefix, and where).

The floor everything stands on: it imports nothing of ``kb`` but :mod:`kb.wording`.
"""
