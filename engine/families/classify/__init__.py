"""Sequence classification (many-to-one): one RNN reads a text, one label comes out.

Modules: formats (reading per-class files and TSV/CSV tables), data (classes, held-out and
test sets, the stratified split), encode (tokens -> padded id batches), model (embedding ->
Recurrent -> pooling -> linear), metrics (accuracy, macro-F1, confusion), baselines (majority
class, Naive Bayes), explain (per-token influence), probes (gradient per input position).
"""
