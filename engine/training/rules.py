"""Learning rules: how a training step finds each parameter's slope dE/dw.

- "backprop": one forward pass over the batch, then one backward pass that carries the
  output error back layer by layer (the chain rule): every slope for 2 passes.
- "perturbation": for each learning parameter, nudge it by a small h, run one more
  forward pass over the batch and take slope = (E(w + h) - E(w)) / h (a forward
  difference). A step costs 1 + P forward passes for P perturbed parameters, which is
  why it is the slow, obvious answer to the credit-assignment problem.

Both rules hand their slopes to the same optimiser. A frozen layer (`LayerSpec.learns`
False) is skipped by perturbation and has its backprop slopes zeroed, so the optimiser
never moves it (its blame is still computed: the backward pass runs through it).
"""
from __future__ import annotations

import numpy as np

from engine.core.network import Network

Array = np.ndarray
RULES = ("backprop", "perturbation")
RULE_LABELS = {"backprop": "backprop", "perturbation": "weight perturbation"}
# The nudge h of weight perturbation. Forward differences err by about h * E''/2 and lose
# about eps * E / h to rounding; 1e-6 keeps both near 1e-6 relative for this app's losses.
PERTURBATION_STEP = 1e-6


def check_rule(rule: str) -> None:
    if rule not in RULES:
        raise ValueError(f"unknown learning rule {rule!r}; choose backprop or perturbation")


def learning_mask(network: Network) -> Array | None:
    """1.0 where a parameter learns, 0.0 in frozen layers; None when every layer learns."""
    frozen = [lo for lo, layer in zip(network.layouts, network.spec.layers) if not layer.learns]
    if not frozen:
        return None
    mask = np.ones(network.size)
    for lo in frozen:
        for s in lo.weight_slices:
            mask[s] = 0.0
        mask[lo.bias_slice] = 0.0
    return mask


def learning_indices(network: Network, mask: Array | None) -> Array:
    """Indices of the parameters a rule may change (all, or those outside frozen layers)."""
    return np.arange(network.size) if mask is None else np.flatnonzero(mask)


def backprop_gradient(network: Network, x: Array, y: Array, grad: Array, frozen: Array | None) -> tuple[float, int]:
    """Loss at w and dE/dw into `grad`; frozen entries set to +0.0. Returns (loss, passes=2)."""
    loss = network.train_gradient(x, y, grad)
    if frozen is not None:
        grad[frozen] = 0.0
    return loss, 2


def perturbation_gradient(
    network: Network, x: Array, y: Array, grad: Array, learning: Array, h: float = PERTURBATION_STEP
) -> tuple[float, int]:
    """Loss at w and forward-difference slopes into `grad`, one forward pass per index in
    `learning` (others get slope 0). Every parameter is restored bit-for-bit afterwards.
    Returns (loss, passes = 1 + len(learning))."""
    params = network.params
    base = network.loss(x, y)
    grad[:] = 0.0
    for i in learning:
        kept = params[i]
        params[i] = kept + h
        grad[i] = (network.loss(x, y) - base) / h
        params[i] = kept
    return base, 1 + len(learning)


def slopes(rule: str, network: Network, x: Array, y: Array, mask: Array | None = None) -> tuple[float, Array, int]:
    """(loss, slope vector, passes) by the given rule, without changing any parameter:
    what a test or a view compares between the rules."""
    check_rule(rule)
    grad = np.empty(network.size)
    if rule == "backprop":
        frozen = None if mask is None else np.flatnonzero(mask == 0.0)
        loss, passes = backprop_gradient(network, x, y, grad, frozen)
    else:
        loss, passes = perturbation_gradient(network, x, y, grad, learning_indices(network, mask))
    return loss, grad, passes
