"""Optimisers acting on the flat parameter vector.

SGD with momentum is written exactly as the 1986 paper writes it:
    dw(t) = -lr * dE/dw(t) + momentum * dw(t-1);   w += dw(t)
L1/L2 penalties are added to the gradient of weights only (biases are left alone).

The state an optimiser carries from one update to the next is public (`Optimizer.state`):
the views show the last weight change, files save it, and the compiled training kernel
updates it in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

Array = np.ndarray
OPTIMIZERS = ("sgd", "adam")


@dataclass(frozen=True)
class OptimizerSettings:
    """Immutable: an edit makes a new value (dataclasses.replace), so the document, the
    undo stack and the worker can share one without copies."""

    name: str = "sgd"
    lr: float = 0.03
    momentum: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def validate(self) -> None:
        if self.name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.name!r}; choose sgd or adam")
        for what, v in (("learning rate", self.lr), ("L1 rate", self.l1), ("L2 rate", self.l2)):
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"{what} must be a finite number >= 0, not {v}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), not {self.momentum}")


@dataclass
class OptimizerState:
    """What the optimiser remembers between updates; arrays have the parameter vector's layout.

    Mutable on purpose: `Optimizer.step` and the compiled kernel update it in place.
    """

    velocity: Array  # dw(t-1): the last weight change (SGD's momentum term; Adam's last step)
    m: Array  # Adam: running mean of the gradient
    v: Array  # Adam: running mean of the squared gradient
    t: int = 0  # Adam: updates taken so far (for the bias correction)

    def as_dict(self) -> dict[str, Array | int]:
        """Copies, keyed as project files and snapshots store them."""
        return {"velocity": self.velocity.copy(), "m": self.m.copy(), "v": self.v.copy(), "t": int(self.t)}


class Optimizer:
    """Holds optimiser state (velocity, Adam moments) for one parameter vector."""

    def __init__(self, settings: OptimizerSettings, size: int, weight_mask: Array) -> None:
        settings.validate()
        self.settings = settings
        self.state = OptimizerState(np.zeros(size), np.zeros(size), np.zeros(size), 0)
        self._mask = np.array(weight_mask, dtype=np.float64)  # a copy: nobody else changes it
        self._tmp = np.empty(size)
        self._tmp2 = np.empty(size)

    @property
    def velocity(self) -> Array:
        """dw(t-1), the last weight change (a live view of the state)."""
        return self.state.velocity

    @property
    def weight_mask(self) -> Array:
        """1.0 for a weight, 0.0 for a bias: penalties act on weights only (read it, do not change it)."""
        return self._mask

    def reset_state(self) -> None:
        s = self.state
        s.velocity[:] = 0.0
        s.m[:] = 0.0
        s.v[:] = 0.0
        s.t = 0

    def load_state(self, saved: Mapping) -> None:
        """Copy a saved state in (as `OptimizerState.as_dict` gives it); missing parts stay as they are,
        a missing step count is 0."""
        s = self.state
        for key, arr in (("velocity", s.velocity), ("m", s.m), ("v", s.v)):
            if key in saved:
                arr[:] = saved[key]
        s.t = int(saved.get("t", 0))

    def regularise(self, params: Array, grad: Array) -> None:
        s, tmp = self.settings, self._tmp
        if s.l2:  # grad += l2 * mask * params, without temporaries
            np.multiply(self._mask, s.l2, out=tmp)
            tmp *= params
            grad += tmp
        if s.l1:  # grad += l1 * mask * sign(params)
            np.multiply(self._mask, s.l1, out=tmp)
            tmp *= np.sign(params, out=self._tmp2)
            grad += tmp

    def step(self, params: Array, grad: Array) -> None:
        """Update params in place from grad (grad may be modified)."""
        s = self.settings
        if s.l1 or s.l2:
            self.regularise(params, grad)
        state = self.state
        if s.name == "sgd":
            v = state.velocity
            if s.momentum:
                v *= s.momentum
                v -= np.multiply(grad, s.lr, out=self._tmp)
            else:
                np.multiply(grad, -s.lr, out=v)
            params += v
            return
        # Adam
        state.t += 1
        m, v2, tmp = state.m, state.v, self._tmp
        m *= s.beta1
        m += (1.0 - s.beta1) * grad
        v2 *= s.beta2
        np.multiply(grad, grad, out=tmp)
        v2 += (1.0 - s.beta2) * tmp
        mhat_scale = s.lr / (1.0 - s.beta1**state.t)
        vhat_scale = 1.0 / (1.0 - s.beta2**state.t)
        np.multiply(v2, vhat_scale, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += s.eps
        np.divide(m, tmp, out=tmp)
        tmp *= -mhat_scale
        state.velocity[:] = tmp
        params += tmp
