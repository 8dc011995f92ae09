"""`rnn-tui compare` and the runs screen's comparison: runs.py (the runs' curves and configs
from their directories, no Textual) and app.py (the chart screen and its standalone app)."""
