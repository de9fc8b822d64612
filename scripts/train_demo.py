#!/usr/bin/env python3
"""Produce the demo weights: prepare offline training data, then train SMAT on it with a config/train_demo*.yaml.

Data (nothing is downloaded by this script; nothing comes from vtest.avi):
  * still images given with --images (folders searched recursively; files whose name contains "vtest" are
    refused), e.g. scikit-image's bundled data images and the opencv-doc sample images:
        pip download --no-deps scikit-image && unzip -o scikit_image-*.whl 'skimage/data/*' -d skimage_wheel
        apt-get download opencv-doc && dpkg-deb -x opencv-doc_*.deb opencv_doc
  * GOT-10k-layout synthetic sequences under <work>/synthetic/ whose objects and backgrounds are cut from those
    images (and procedural textures): train (sprites over panning backgrounds), walkers (static-camera scenes of
    walking figures among look-alikes), crowds (denser, with posts), crowds_posts (posts and signs on the
    target's way), crossings (look-alikes of the target walking past it as well); test and test_crowds are held
    out (other seeds) for AO;
  * <work>/stills: the images as a COCO-format "instances" set with random boxes (static pairs, as COCO).

Then it runs the normal training loop (as ``smat-train --config <config> --data-root <work>``) with --threads
threads (1 by default), writing to --output. Stop it at any time: every epoch leaves a checkpoint, and --resume
goes on. The shipped weights come from six stages, each starting from the previous one's weights (the configs'
init_checkpoint, relative to the repository; weights/MODEL_CARD.md lists the commands):
  config/train_demo.yaml -> train_demo_walkers.yaml -> train_demo_crowds.yaml -> train_demo_posts.yaml
  -> train_demo_posts_ddp.yaml -> train_demo_crossings_ddp.yaml (the last two with two data-parallel processes:
  torchrun --standalone --nproc_per_node 2 scripts/train_demo.py ...).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

from smat_ros.config import load_yaml
from smat_ros.train.config import TrainConfig
from smat_ros.train.loop import train
from smat_ros.train.synthetic import SyntheticConfig, write_got10k

REPO = Path(__file__).resolve().parent.parent
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
MIN_IMAGE_SIDE = 96
STILL_BOXES_PER_IMAGE = 6


def collect_images(folders: list[Path]) -> list[Path]:
    """Still image files under ``folders`` (recursive), never anything from vtest."""
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    return [p for p in files if "vtest" not in p.name.lower()]


def load_rgb(path: Path, max_side: int = 640) -> np.ndarray | None:
    """An image as RGB uint8, shrunk to ``max_side``; None if unreadable, tiny or flat."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None or min(image.shape[:2]) < MIN_IMAGE_SIDE or image.std() < 8:
        return None
    scale = max_side / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def write_stills(root: Path, images: list[np.ndarray], names: list[str], seed: int) -> int:
    """COCO-format set of the still images with random boxes (>50 px sides); returns the box count."""
    rng = np.random.default_rng(seed)
    image_dir = root / "images" / "train2017"
    image_dir.mkdir(parents=True, exist_ok=True)
    entries, annotations = [], []
    for image_id, (image, name) in enumerate(zip(images, names, strict=True), 1):
        file_name = f"{image_id:05d}_{Path(name).stem}.jpg"
        cv2.imwrite(str(image_dir / file_name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        height, width = image.shape[:2]
        entries.append({"id": image_id, "file_name": file_name, "width": width, "height": height})
        for _ in range(STILL_BOXES_PER_IMAGE):
            side = rng.uniform(52, max(53, 0.45 * min(width, height)))
            aspect = float(np.exp(rng.uniform(-0.7, 0.7)))
            w = float(min(width - 2, max(51, side * np.sqrt(aspect))))
            h = float(min(height - 2, max(51, side / np.sqrt(aspect))))
            x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": 1,
                                "bbox": [x, y, w, h], "iscrowd": 0, "area": w * h})
    anno_dir = root / "annotations"
    anno_dir.mkdir(parents=True, exist_ok=True)
    (anno_dir / "instances_train2017.json").write_text(json.dumps(
        {"images": entries, "annotations": annotations, "categories": [{"id": 1, "name": "region"}]}))
    return len(annotations)


def prepare(work: Path, image_folders: list[Path], train_sequences: int, test_sequences: int) -> None:
    """Write the synthetic train/walkers/test sequences and the stills set under ``work`` (each part skipped if
    present)."""
    paths = collect_images(image_folders)
    loaded = [(p, load_rgb(p)) for p in paths]
    images = [(p, im) for p, im in loaded if im is not None]
    if not images:
        raise SystemExit(f"error: no usable still images under {', '.join(map(str, image_folders))}")
    logging.info("%d still images (of %d files)", len(images), len(paths))
    work.mkdir(parents=True, exist_ok=True)
    (work / "sources.txt").write_text("\n".join(str(p) for p, _ in images) + "\n")
    sources = [im for _, im in images]
    sprites = SyntheticConfig(sequences=train_sequences, frames=40, width=384, height=288, min_object=24,
                              max_object=110, distractors=3, max_speed=7.0)
    walkers = SyntheticConfig(sequences=train_sequences, frames=40, width=384, height=288, min_object=24,
                              max_object=80, distractors=5, max_speed=6.0, walkers=0.85, static_camera=0.7)
    crowds = SyntheticConfig(sequences=train_sequences, frames=40, width=384, height=288, min_object=20,
                             max_object=70, distractors=8, max_speed=5.0, walkers=0.95, static_camera=0.9, posts=3)
    held_out = SyntheticConfig(sequences=test_sequences, frames=60, width=384, height=288, min_object=24,
                               max_object=110, distractors=3, max_speed=7.0)
    held_out_crowds = dataclasses.replace(crowds, sequences=test_sequences, frames=60)
    crowds_on_path = dataclasses.replace(crowds, posts=4, posts_on_path=0.5)
    crossings = dataclasses.replace(crowds, distractors=6, posts=4, posts_on_path=0.5, crossings=2)
    parts = [("synthetic/train", sprites, 1, "SYN"), ("synthetic/walkers", walkers, 4, "WALK"),
             ("synthetic/crowds", crowds, 5, "CROWD"), ("synthetic/crowds_posts", crowds_on_path, 7, "POSTS"),
             ("synthetic/crossings", crossings, 8, "CROSS"),
             ("synthetic/test", held_out, 2, "TEST"), ("synthetic/test_crowds", held_out_crowds, 6, "TESTCROWD")]
    for folder, config, seed, prefix in parts:
        if (work / folder / "list.txt").is_file():
            logging.info("%s already prepared", work / folder)
            continue
        write_got10k(work / folder, config, seed=seed, sources=sources, prefix=prefix)
        logging.info("wrote %d sequences to %s", config.sequences, work / folder)
    if not (work / "stills" / "annotations").is_dir():
        boxes = write_stills(work / "stills", sources, [str(p) for p, _ in images], seed=3)
        logging.info("wrote %d still boxes", boxes)


def main() -> int:
    """Parse arguments, prepare the data, train."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, nargs="+", required=True, help="folders of still images")
    parser.add_argument("--work", type=Path, required=True, help="folder for the generated training data")
    parser.add_argument("--output", type=Path, required=True, help="training output folder")
    parser.add_argument("--config", type=Path, default=REPO / "config" / "train_demo.yaml")
    parser.add_argument("--init", type=Path, help="start from these weights (overrides the config's init_checkpoint)")
    parser.add_argument("--train-sequences", type=int, default=400)
    parser.add_argument("--test-sequences", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--resume", action="store_true", help="continue the run in --output")
    parser.add_argument("--prepare-only", action="store_true", help="write the data and stop")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(max(1, args.threads))
    for folder in args.images:
        if not folder.is_dir():
            print(f"error: --images folder not found: {folder}", file=sys.stderr)
            return 2
    work, output, config = args.work.resolve(), args.output.resolve(), load_yaml(TrainConfig, args.config)
    if args.init is not None:
        config = dataclasses.replace(config, init_checkpoint=str(args.init.resolve()))
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun the other ranks wait for rank 0 in train()
        prepare(work, [folder.resolve() for folder in args.images], args.train_sequences, args.test_sequences)
    if args.prepare_only:
        return 0
    os.chdir(REPO)  # the config's init_checkpoint is relative to the repository
    result = train(config, work, output, device="cpu", resume=args.resume)
    logging.info("finished at epoch %d, step %d: %s", result.epoch, result.step, result.last_checkpoint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
