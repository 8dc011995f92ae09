"""Task families: one folder each (data, metrics, baselines, model), plugged into one loop.

    engine.families.tag    aligned many-to-many tagging (POS from CoNLL-U, NER/slots from IOB)
"""
