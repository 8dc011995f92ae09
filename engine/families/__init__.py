"""Task families: each folder is one kind of task (its data, model, metrics) for the one
shared training loop."""
