"""Settings modules: base, dev, test, production (and mlps, stricter production)."""
