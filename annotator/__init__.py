"""annotator: blind multi-annotator span annotation with exact agreement figures.

Layers point one way (tests/test_layers.py enforces it):
core <- agreement, formats <- store <- services <- cli, web.
"""

__version__ = "0.1.0"
