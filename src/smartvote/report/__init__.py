"""Self-contained HTML reports: :mod:`html` (generic helpers), :mod:`forensics`."""
