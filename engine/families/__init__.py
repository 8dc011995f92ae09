"""Task families: each one a folder (data, model, metrics) plugged into the one training loop."""
