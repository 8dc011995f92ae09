"""One-to-many: a name generated from a single input, its language (the CoE202 / IIIT
decks' one-to-many picture; the PyTorch "generating names" tutorial is the peer).

Modules: config (OneToManyConfig: --data names, --condition init|input, --label), data (the
labelled names read by the classifier's reader, as character ids with boundaries), model
(label embedding -> h_0 [and every input] -> Recurrent -> next character), sampling (names
for a label, one character at a time), events (Names), task (OneToManyTask).
Like the rest of `engine`, nothing here imports textual, rich or typer.
"""
