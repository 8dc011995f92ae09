"""Tagging: one label per token (POS tags from CoNLL-U, entity or slot tags from IOB files).

Modules: data (readers, format detection, splits), scheme (IOB1/IOB2/BIOES and conlleval's
chunks), chars (one tag per character of raw text), metrics (accuracy, unseen-word accuracy,
per-tag accuracy, confusion matrix, span P/R/F1), baselines (most frequent tag per word).
Like the rest of `engine`, nothing here imports textual, rich or typer; none imports torch.
"""
