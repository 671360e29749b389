"""`nlpdive ARGS...` with a pause in every training step, so that a test can kill the run mid-way:

    python slow_lm.py SECONDS train lm --data F --out DIR ...
"""
import sys
import time

from nlpdive.cli.main import main
from nlpdive.tasks.lm import recipe

pause = float(sys.argv[1])
loss = recipe.NextTokenLoss.__call__


def slow_loss(self, net, batch):
    time.sleep(pause)
    return loss(self, net, batch)


recipe.NextTokenLoss.__call__ = slow_loss
sys.exit(main(sys.argv[2:]))
