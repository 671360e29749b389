"""Muon (Keller Jordan's MomentUm Orthogonalized by Newton-schulz) for the hidden weight matrices, AdamW for the
rest (embeddings, output layer, norms, biases), in one optimizer so that checkpoints, schedules and resuming work
as with any other. A group with "muon": True takes the Muon update.

Why not torch.optim.Muon: it orthogonalises in bfloat16, which CPUs without bf16 units run ~10x slower (measured:
1.1 steps/s against 11.8 here for nanoGPT's CPU model); this one stays in the parameters' dtype.
On Tiny Shakespeare it reaches AdamW's loss in about half the steps (docs/benchmarks.md, the language-model round).
"""
import torch

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def orthogonalize(g, steps=5):
    """The nearest semi-orthogonal matrices to g [..., m, n] with m <= n, approximately (quintic Newton-Schulz
    iterations, batched over the leading dimension)."""
    a, b, c = NS_COEFFICIENTS
    x = g / (g.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        s = x @ x.mT                                            # [..., m, m]
        x = torch.baddbmm(x, torch.baddbmm(s, s, s, beta=b, alpha=c), x, beta=a) if x.dim() == 3 else \
            a * x + (b * s + c * (s @ s)) @ x
    return x


class MuonAdamW(torch.optim.Optimizer):
    def __init__(self, groups, lr=1e-3, muon_lr=0.02, momentum=0.95, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.0):
        groups = [{**g, "lr": g.get("lr", muon_lr if g.get("muon") else lr)} for g in groups]
        super().__init__(groups, dict(lr=lr, muon=False, momentum=momentum, betas=betas, eps=eps,
                                      weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        wide = {}  # Muon's updates, wide side up, by shape: orthogonalised together, one batched call per shape
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if group["weight_decay"]:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                if group["muon"]:
                    u = self._momentum(p, group, self.state[p])
                    u = u.mT if u.size(0) > u.size(1) else u
                    wide.setdefault(tuple(u.shape), []).append((p, group["lr"], u))
                else:
                    self._adamw(p, group, self.state[p])
        for items in wide.values():
            updates = orthogonalize(torch.stack([u for _, _, u in items]))
            for (p, lr, _), u in zip(items, updates):
                u = u.mT if p.size(0) > p.size(1) else u
                p.add_(u, alpha=-lr * max(1.0, p.size(0) / p.size(1)) ** 0.5)

    @staticmethod
    def _momentum(p, group, state):
        """Nesterov momentum of the gradient."""
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = torch.zeros_like(p)
        buf, mu = state["momentum_buffer"], group["momentum"]
        buf.mul_(mu).add_(p.grad)
        return p.grad.add(buf, alpha=mu)

    def _adamw(self, p, group, state):
        if "step" not in state:
            state["step"] = torch.zeros((), dtype=torch.float32)
            state["exp_avg"], state["exp_avg_sq"] = torch.zeros_like(p), torch.zeros_like(p)
        (b1, b2), g = group["betas"], p.grad
        state["step"] += 1
        t = state["step"].item()
        state["exp_avg"].lerp_(g, 1 - b1)
        state["exp_avg_sq"].mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = (state["exp_avg_sq"] / (1 - b2 ** t)).sqrt_().add_(group["eps"])
        p.addcdiv_(state["exp_avg"], denom, value=-group["lr"] / (1 - b1 ** t))


def muon_groups(model, weight_decay=0.0):
    """Hidden matrices (the weights of Linear layers, but not an output layer named `head` nor one tied to an
    embedding) take Muon; the rest AdamW."""
    from torch import nn

    embedded = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    hidden = {id(m.weight) for name, m in model.named_modules()
              if isinstance(m, nn.Linear) and name.split(".")[-1] != "head" and id(m.weight) not in embedded}
    params = [p for p in model.parameters() if p.requires_grad]
    return [{"params": [p for p in params if id(p) in hidden], "muon": True, "weight_decay": weight_decay},
            {"params": [p for p in params if id(p) not in hidden], "muon": False, "weight_decay": 0.0}]
