"""HTML and PDF briefs on one country (or the Northern Triangle) and period.

``build_report`` reads the store and assembles the figures (pure functions over frames);
``render_html`` writes one self-contained HTML file (inline CSS and SVG, no scripts);
``render_pdf`` prints that HTML with WeasyPrint.
"""

from __future__ import annotations

from rootcauses.report.build import Report, build_report
from rootcauses.report.errors import ReportError
from rootcauses.report.render import default_name, render_html, render_pdf

__all__ = ["Report", "ReportError", "build_report", "default_name", "render_html", "render_pdf"]
