"""A fake seq2seq trainer for the app tests (engine.training.loop.Trainer's protocol, no
torch): attention for two probe examples, the seq2seq metrics, encoder-gradient probes."""

from __future__ import annotations

from typing import Any, Iterator

from fake_trainer import FakeTrainer, loss_at

from engine import events as ev
from engine.errors import EngineError
from engine.families.seq2seq.events import Attention

PROBE_PAIRS = [("March 3, 2021", "2021-03-03"), ("wed 14 jul 99", "1999-07-14")]


class FakeSeq2SeqTrainer(FakeTrainer):
    """The seq2seq trainer's protocol: Attention events for two probe examples every 5
    steps, an Eval with the seq2seq metrics every 15, encoder-gradient probes every 10;
    `request("translate", source=, beam=)` answers with an Attention event (with beams when
    beam > 1)."""

    FAMILY = "seq2seq"

    def request(self, kind: str, **args: Any) -> None:
        if kind != "translate":
            raise EngineError(f"a seq2seq model cannot {kind}")
        self._request(("request_translation", args.get("source"), args.get("beam", 1)))

    def _serve(self) -> Iterator[ev.Event]:
        with self._cond:
            pending = [r for r in self._pending if r[0] == "request_translation"]
            self._pending = [r for r in self._pending if r[0] != "request_translation"]
        yield from super()._serve()
        for _, source, beam in pending:
            if source is None:
                yield self._attention(*PROBE_PAIRS[0])
                continue
            out = source[::-1]
            beams = [[out, -0.5], [out + "x", -2.25], [out[:-1], -3.0]][:beam] if beam > 1 else []
            yield self._attention(source, "", out, beams)

    def _train_step(self) -> ev.TrainStep:
        step = super()._train_step()
        step.epoch = None  # a generated task draws fresh examples: no epochs
        return step

    def _attention(self, source: str, target: str, output: str | None = None,
                   beams: list | None = None) -> Attention:
        output = target if output is None else output
        S, T = len(source), len(output) + 1
        weights = [[1.0 if j == min(S - 1, i) else 0.0 for j in range(S)] for i in range(T)]
        return Attention(step=self.step, source=source, output=output, target=target,
                         weights=weights, probs=[0.9] * T, attention=self.config.attention,
                         beams=beams or [])

    def _probe(self) -> ev.Probe:
        S = len(PROBE_PAIRS[0][0])
        fade = 0.6 if self.config.attention == "none" else 0.97
        norms = [[fade ** (S - 1 - j) for j in range(S)] for _ in range(self.config.layers)]
        return ev.Probe(step=self.step, grad_norms=norms, global_norm=1.2, clipped_norm=1.0,
                        clip_fraction=0.1)

    def _opening(self) -> Iterator[ev.Event]:
        yield ev.Started(config=self.config.to_dict(), device="cpu (1 thread)", vocab_size=62,
                         parameters=226_366, train_chars=5_000_000, val_chars=20_000,
                         step=self.step, resumed=self.step > 0, family=self.config.FAMILY)

    def _scheduled(self, s: int) -> Iterator[ev.Event]:
        if s % 10 == 0:
            yield self._probe()
        if s % 5 == 0:
            for src, tgt in PROBE_PAIRS:
                # wrong at first, right from step 20: the log shows the change
                yield self._attention(src, tgt, tgt if s >= 20 else tgt[::-1])
        if s % 15 == 0 or s == self.script_steps:
            yield ev.Eval(step=s, val_loss=loss_at(s) - 1.3, best=True,
                          metrics={"bits_per_char": 0.0, "perplexity": 0.0,
                                   "token_accuracy": min(1.0, s / 40),
                                   "exact_match": min(1.0, s / 45), "examples": 1000,
                                   "bleu": None, "chrf": None})
