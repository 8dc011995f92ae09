"""Mixed precision for the training step (`--precision fp32|bf16|fp16|auto`).

    fp32  everything in float32.
    bf16  the forward pass under torch.autocast(bfloat16): matmuls and linear layers compute
          in bfloat16 (on a CPU with AVX512-BF16 or AMX, about twice the fp32 rate), while
          the weights, their gradients, the optimizer state, the loss (autocast keeps
          cross_entropy and mse_loss in float32) and the checkpoints stay float32. bf16 has
          float32's 8-bit exponent, so gradients do not underflow and no loss scaling is needed.
    fp16  CUDA only: autocast(float16) with a GradScaler. fp16's 5-bit exponent flushes small
          gradients to zero, so the loss is scaled up before backward and the gradients are
          unscaled before clipping (the clipping threshold and the gradient panel see the true
          norm); a step whose gradients overflowed is skipped and the scale lowered.
    auto  bf16 where the hardware computes it natively: a CUDA GPU that supports it, a CPU
          with AVX512-BF16 or AMX; float32 elsewhere (MPS, older CPUs, where bf16 would be
          emulated and slower). The character LM's default: on the 2-core reference machine
          (AVX512-BF16) bf16 trained 1.59x the tokens/s of fp32 and reached a better held-out
          loss in the same 10 minutes on War and Peace, 1.2338 against 1.2468 nats/char
          (benchmarks/precision.py, benchmarks/results/precision-quiet.log). The other
          families' defaults stay fp32 until the same comparison is made for them.

Only the optimizer step is autocast: evaluation, the gradient probes and sampling run in
float32, so the reported held-out numbers and the gradient panel mean the same thing in
every precision.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch

from engine.errors import EngineError

_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_precision(name: str, device: torch.device) -> str:
    """The precision a run on `device` trains in: auto decided, unsupported ones refused."""
    if name == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    if name == "fp16" and device.type != "cuda":
        raise EngineError("--precision fp16 needs a CUDA GPU (on a CPU use bf16)")
    if name == "bf16" and not bf16_supported(device):
        raise EngineError(f"--precision bf16 is not supported on this {device.type} "
                          f"(use fp32)")
    return name


def native_bf16(device: torch.device) -> bool:
    """Whether `device` computes bf16 at its own speed, not emulated: a CUDA GPU with bf16,
    or a CPU with AVX512-BF16 or AMX (torch.cpu's probes; oneDNN emulates bf16 elsewhere,
    more slowly than fp32)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    probes = [getattr(torch.cpu, name, None) for name in
              ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    try:
        return any(probe() for probe in probes if probe is not None)
    except RuntimeError:  # a torch build without the probes' kernels
        return False


def bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        # oneDNN's bf16 kernels need AVX512-BF16/AMX (or at least AVX512 to emulate them).
        return bool(torch.backends.mkldnn.is_available()
                    and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


@dataclass
class Precision:
    """How the loop runs one optimizer step's forward and backward in `name` precision."""
    name: str  # fp32 | bf16 | fp16 (resolved: never auto)
    device_type: str  # "cpu", "cuda", "mps"
    scaler: Any = None  # torch.amp.GradScaler for fp16, else None

    @classmethod
    def build(cls, name: str, device: torch.device) -> "Precision":
        name = resolve_precision(name, device)
        scaler = torch.amp.GradScaler(device.type) if name == "fp16" else None
        return cls(name, device.type, scaler)

    def autocast(self) -> contextlib.AbstractContextManager:
        """The context of the forward pass (loss included)."""
        if self.name == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=_DTYPES[self.name])

    def backward(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        """loss.backward(), leaving TRUE (unscaled) gradients on the parameters, ready to be
        measured and clipped."""
        if self.scaler is None:
            loss.backward()
            return
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(optimizer)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """optimizer.step(); with fp16 the scaler skips a step whose gradients overflowed."""
        if self.scaler is None:
            optimizer.step()
            return
        self.scaler.step(optimizer)
        self.scaler.update()
