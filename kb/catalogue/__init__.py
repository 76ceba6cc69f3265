"""The knowledge base on disk.  :mod:`~kb.catalogue.model` holds the records loaders produce;
:mod:`~kb.catalogue.store` writes a load in one transaction (every source's claims, clause
text, bulletins) over the tables and migrations of :mod:`~kb.catalogue.schema`;
:mod:`~kb.catalogue.facts` derives what is shown from the claims (sources disagree; the rules
decide); :mod:`~kb.catalogue.queries` reads histories, resolves designations and titles, and
answers what the pages and the command line ask; :mod:`~kb.catalogue.diff` compares two
editions clause by clause; :mod:`~kb.catalogue.doctor` checks a knowledge base;
:mod:`~kb.catalogue.update` refreshes it from its sources; :mod:`~kb.catalogue.storage`
opens database files and names their faults in one line; :mod:`~kb.catalogue.snapshots`
publishes the immutable copies that are served.

May import :mod:`kb.identifiers`, :mod:`kb.text` and the shared modules; never
:mod:`kb.bulletins`, :mod:`kb.web` or :mod:`kb.cli`.
"""
