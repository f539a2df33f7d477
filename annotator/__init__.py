"""annotator: blind multi-annotator span annotation with exact agreement figures."""

__version__ = "0.1.0"
