"""The training engine every task uses: Trainer + TrainConfig, losses by name, devices, seeds, torchrun.

    from nlpdive.train import Trainer, TrainConfig
    result = Trainer(model, TrainConfig(epochs=3), out_dir="runs/x").fit(train_data, collate_fn, loss_fn)

Nothing here knows about text, vocabularies or files of examples: tasks bring datasets and loss functions.
"""
from nlpdive.train.config import TrainConfig
from nlpdive.train.distributed import DistInfo, dist_info, seed_everything, select_device
from nlpdive.train.losses import LOSSES, get_loss
from nlpdive.train.records import MetricsLog, plot_loss, read_metrics, write_run_config
from nlpdive.train.trainer import FitResult, Trainer, default_batch_sampler

__all__ = [
    "Trainer", "TrainConfig", "FitResult", "default_batch_sampler",
    "LOSSES", "get_loss",
    "DistInfo", "dist_info", "select_device", "seed_everything",
    "MetricsLog", "plot_loss", "read_metrics", "write_run_config",
]
