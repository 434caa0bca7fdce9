"""Detector families: one module per family of finding types (cards, contact, identifiers, names and addresses).

Each module holds the specs of its types (``SPECS``: severity, data class, context words, key names, column-name
hint, value pattern, validate-and-mask) and the exact detectors that find them. ``mamori.discovery.engine.registry``
collects the specs; ``mamori.discovery.engine.detectors`` runs the detectors on the prefilter's windows.
A family module never imports the registry, the prefilter or the scan loop (they import it).
"""
