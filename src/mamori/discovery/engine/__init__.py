"""Discovery scanner engine: a plain library (no Django) that finds card data and personal data.

Layout: ``readers`` turn files into :class:`~mamori.discovery.engine.types.TextUnit` s; ``matcher``
is the one-pass prefilter (Hyperscan, or ``re`` with ``MAMORI_SCAN_MATCHER=re``); ``detectors``
run the exact checks and build masked, fingerprinted findings (facts in ``data``, checksums in
``checks``, masking in ``masking``); ``scan`` runs files in parallel; ``output`` writes reports.
"""
