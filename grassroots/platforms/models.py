"""Proposals, information pieces, theory research and social service."""
