"""Pure HTML and SVG builders for the pages: the annotated text and the dashboard charts."""
