"""pip install of the ROS-free SMAT library and its command-line tools (ROS users build with colcon instead).

The core install runs the tracker (torch or onnxruntime) and every command's --help; extras add what training
(``smat_ros[train]``: matplotlib for the loss curve, tensorboard for scalars) and evaluation reports
(``smat_ros[eval]``: matplotlib for the plots) need. torch is a range here; requirements.txt pins the tested build.
"""
import glob

from setuptools import find_packages, setup

setup(
    name="smat_ros",
    version="0.1.0",
    description="SMAT single-object tracker (WACV 2024): library, CLIs and ROS 2 node",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["smat_ros", "smat_ros.*"]),
    package_data={"smat_ros": ["py.typed"], "smat_ros.teleop": ["static/*"],
                  "smat_ros.sim": ["assets/*.jpg", "assets/README.md"]},
    data_files=[
        ("share/smat_ros/weights", ["weights/smat_demo.safetensors", "weights/smat_demo_association.json",
                                     "weights/MODEL_CARD.md"]),
        # message definitions for smat-replay's output bags (rosbags registers them from the .msg files)
        ("share/smat_ros/msg", sorted(glob.glob("msg/*.msg"))),
        ("share/smat_ros/interfaces/vision_msgs/msg", sorted(glob.glob("interfaces/vision_msgs/msg/*.msg"))),
    ],
    install_requires=[
        "torch>=2.5,<3",  # 2.5: torch.onnx.export(dynamo=...); the tested pin is in requirements.txt
        "numpy>=1.26",
        "opencv-python-headless>=4.8",
        "safetensors>=0.4",
        "pyyaml>=6.0",
        "tqdm>=4.60",
        "onnx>=1.16",
        "onnxruntime>=1.18",
    ],
    extras_require={
        "train": ["matplotlib>=3.7", "tensorboard>=2.14"],
        "eval": ["matplotlib>=3.7"],
        "onnx": [],  # onnx and onnxruntime are core dependencies now; the extra stays for existing install commands
        "teleop": ["aiohttp>=3.9,<4"],
        "replay": ["rosbags>=0.10,<0.12"],
        "openvino": ["openvino>=2025.1,<2027"],  # backend='openvino': int8 and bf16 through oneDNN on Intel CPUs
    },
    entry_points={
        "console_scripts": [
            "smat-track=smat_ros.cli.track:main",
            "smat-convert=smat_ros.cli.convert:main",
            "smat-eval=smat_ros.cli.eval:main",
            "smat-train=smat_ros.cli.train:main",
            "smat-export=smat_ros.cli.export:main",
            "smat-replay=smat_ros.cli.replay:main",
        ]
    },
)
