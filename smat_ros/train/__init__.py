"""Training pipeline of SMAT: datasets, pair sampling, augmentation, targets, losses and the training loop."""
