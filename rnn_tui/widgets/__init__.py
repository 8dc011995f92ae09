"""Hand-made Line-API widgets for rnn-tui (fast, cached, NO_COLOR-aware)."""

from .curve_math import convert_nats, scale_values
from .heatmap import Heatmap
from .label_bars import LabelBars
from .loss_chart import LossChart
from .neuron_text import GatePlot, GateStrip, NeuronText
from .sample_view import SampleView
from .timestep_bars import TimestepBars

__all__ = [
    "GatePlot",
    "GateStrip",
    "Heatmap",
    "LabelBars",
    "LossChart",
    "NeuronText",
    "SampleView",
    "TimestepBars",
    "convert_nats",
    "scale_values",
]
