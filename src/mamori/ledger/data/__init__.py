"""Data shipped with the ledger: the catalogue of data categories."""
