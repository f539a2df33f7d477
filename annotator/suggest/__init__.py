"""Span suggestions: rule patterns and a trained span model propose spans (pure domain code)."""
