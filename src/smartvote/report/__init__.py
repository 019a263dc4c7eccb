"""Self-contained HTML: :mod:`render` (the one Jinja2 layer, used by every page), :mod:`forensics`
(the forensics report: view model) and :mod:`forensics_figures` (its figures)."""
