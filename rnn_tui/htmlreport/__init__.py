"""`rnn-tui report DIR ... --out report.html`: one self-contained HTML page a student can hand
in (no network, no scripts, no fonts to fetch: the charts are inline SVG whose text is drawn
as paths).

    page.py    the page: summary and config, the loss curves of every run with their
               baselines, the gradient-per-timestep heatmaps, the race standings, and each
               family's own pictures (the module its registry entry names as `report`)
    charts.py  matplotlib figures as inline SVG (matplotlib: the ecosystem's plotting
               library, drawn headless with no display, whose SVG needs no browser fonts)
    html.py    escaping, tables, sections, the last row of an event, the print stylesheet
"""
