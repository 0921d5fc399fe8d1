"""Banc de mesure des performances (`make bench`). Voir docs/performance.md."""
