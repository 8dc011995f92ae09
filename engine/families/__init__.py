"""Task families: one folder each (data, model, probes), all driven by the one training loop."""
