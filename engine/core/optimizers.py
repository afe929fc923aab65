"""Optimisers acting on the flat parameter vector.

SGD with momentum is written exactly as the 1986 paper writes it:
    dw(t) = -lr * dE/dw(t) + momentum * dw(t-1);   w += dw(t)
L1/L2 penalties are added to the gradient of weights only (biases are left alone).
"""
from __future__ import annotations

from dataclasses import dataclass

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


class Optimizer:
    """Holds optimiser state (velocity, Adam moments) for one parameter vector."""

    def __init__(self, settings: OptimizerSettings, size: int, weight_mask: Array) -> None:
        settings.validate()
        self.settings = settings
        self.velocity = np.zeros(size)  # dw(t-1): the last weight change
        self._mask = weight_mask
        self._m = np.zeros(size)
        self._v = np.zeros(size)
        self._t = 0
        self._tmp = np.empty(size)
        self._tmp2 = np.empty(size)

    def reset_state(self) -> None:
        self.velocity[:] = 0.0
        self._m[:] = 0.0
        self._v[:] = 0.0
        self._t = 0

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
        if s.name == "sgd":
            v = self.velocity
            if s.momentum:
                v *= s.momentum
                v -= np.multiply(grad, s.lr, out=self._tmp)
            else:
                np.multiply(grad, -s.lr, out=v)
            params += v
            return
        # Adam
        self._t += 1
        m, v2, tmp = self._m, self._v, self._tmp
        m *= s.beta1
        m += (1.0 - s.beta1) * grad
        v2 *= s.beta2
        np.multiply(grad, grad, out=tmp)
        v2 += (1.0 - s.beta2) * tmp
        mhat_scale = s.lr / (1.0 - s.beta1**self._t)
        vhat_scale = 1.0 / (1.0 - s.beta2**self._t)
        np.multiply(v2, vhat_scale, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += s.eps
        np.divide(m, tmp, out=tmp)
        tmp *= -mhat_scale
        self.velocity[:] = tmp
        params += tmp
