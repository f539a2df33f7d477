"""The JSON API (DESIGN section 6): documents and spans, and the agreement report."""
