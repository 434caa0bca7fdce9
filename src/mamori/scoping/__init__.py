"""Scoping (影響範囲の特定): who is affected by a breach, computed from the shop's database or a preserved copy."""
