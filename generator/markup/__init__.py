"""Markdown and HTML made safe: escaping for each place a page puts untrusted text, URLs, simple
LaTeX, the answers' sanitising Markdown dialect, and HTML block by block."""
